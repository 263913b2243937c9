// npm run lab tokenizers
//
// The lab's story in one run: train a byte-level BPE tokenizer on a megabyte
// of the course's own text, look at what it learned, measure how well real
// vocabularies compress English and Chinese, watch a streaming decoder hold
// back half a character, and expand GPT-2's vocabulary with Chinese tokens.

import { fileURLToPath } from "node:url";
import gpt2Ranks from "js-tiktoken/ranks/gpt2";
import o200kRanks from "js-tiktoken/ranks/o200k_base";
import { barChart, progressBar, svgBarChart, table, writeSvg } from "@llm-labs/kit";
import { corpus } from "./corpus.ts";
import { trainBpe } from "./train.ts";
import { tokenizerFromJsTiktoken } from "./tiktoken-ranks.ts";
import { loadLenmlTokenizer } from "./references.ts";
import { expandVocab, tokensPerChar } from "./expand-vocab.ts";
import type { Tokenizer } from "./tokenizer.ts";
import { CHINESE_PASSAGE, ENGLISH_PASSAGE } from "./samples.ts";

const bytesOf = (s: string) => Buffer.byteLength(s, "utf8");
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);

// ------------------------------------------------------------------ 1. train
heading("1. Training byte-level BPE on 1 MB of the course's own text");
const trainText = corpus(1, 1_000_000, "mixed");
console.log(
  `corpus: seeded generator (src/corpus.ts, seed 1), ${bytesOf(trainText).toLocaleString("en")} bytes, English and Chinese paragraphs`,
);
const VOCAB = 2000;
const bar = progressBar({ total: VOCAB - 257, label: "merges" });
let t0 = performance.now();
const { tokenizer: trained, merges } = trainBpe(trainText, {
  vocabSize: VOCAB,
  specialTokens: ["<|endoftext|>"],
  name: "ours (2k, trained here)",
  onMerge: (done) => {
    if (done % 25 === 0) bar.tick(25);
  },
});
bar.done();
console.log(
  `trained ${merges.length} merges + 256 bytes + 1 special token = ${trained.vocabSize} tokens in ${seconds(t0)} s`,
);

console.log("\nthe first 16 merges (the most frequent pairs, in order):");
console.log(
  table(
    ["id", "left", "right", "new token", "pair count"],
    merges.slice(0, 16).map((m) => [m.id, trained.show(m.a), trained.show(m.b), trained.show(m.id), m.count]),
  ),
);
console.log(
  "(<e4 b8> is two of the three bytes of a Chinese character: byte-level BPE merges bytes, not characters)",
);
const late = merges.slice(-8).map((m) => trained.show(m.id));
console.log(`the last 8 merges: ${late.join("  ")}`);

// --------------------------------------------------------- 2. compression
heading("2. Bytes per token: real vocabularies on English and on Chinese");
t0 = performance.now();
const tokenizers: Tokenizer[] = [
  trained,
  tokenizerFromJsTiktoken("GPT-2 (tiktoken)", gpt2Ranks),
  tokenizerFromJsTiktoken("o200k / GPT-4o (tiktoken)", o200kRanks),
  loadLenmlTokenizer("qwen3"),
  loadLenmlTokenizer("llama3"),
  loadLenmlTokenizer("gpt4o"),
];
console.log(
  `loaded 5 real vocabularies into our Tokenizer in ${seconds(t0)} s (GPT-2 and o200k from js-tiktoken's rank files, Qwen3, Llama 3 and GPT-4o from their tokenizer.json)`,
);
// Held-out text: different seeds from the training corpus.
const english = corpus(7, 200_000, "en");
const chinese = corpus(8, 200_000, "zh");
const rows = tokenizers.map((tok) => {
  const en = tok.encode(english).length;
  const zh = tok.encode(chinese).length;
  return {
    name: tok.name,
    vocab: tok.vocabSize,
    enBpt: bytesOf(english) / en,
    zhBpt: bytesOf(chinese) / zh,
    zhTpc: zh / [...chinese].length,
  };
});
console.log(
  table(
    ["tokenizer", "vocab", "English bytes/token", "Chinese bytes/token", "Chinese tokens/char"],
    rows.map((r) => [
      r.name,
      r.vocab,
      Number(r.enBpt.toFixed(2)),
      Number(r.zhBpt.toFixed(2)),
      Number(r.zhTpc.toFixed(2)),
    ]),
  ),
);
console.log("\nthe same paragraph in English and in Chinese (src/samples.ts), in tokens:");
console.log(
  table(
    ["tokenizer", "English", "Chinese", "Chinese / English"],
    tokenizers.map((tok) => {
      const en = tok.encode(ENGLISH_PASSAGE).length;
      const zh = tok.encode(CHINESE_PASSAGE).length;
      return [tok.name, en, zh, Number((zh / en).toFixed(2))];
    }),
  ),
);
console.log("\nChinese bytes per token (a Chinese character is 3 bytes in UTF-8; higher is better):");
console.log(
  barChart(
    rows.map((r) => ({ label: r.name, value: Number(r.zhBpt.toFixed(2)) })),
    { width: 36 },
  ),
);
console.log(
  "(our 2k-token tokenizer looks good on this text because it was trained on the same generator's vocabulary)",
);

const svgPath = fileURLToPath(new URL("../plots/compression.svg", import.meta.url));
writeSvg(
  svgPath,
  svgBarChart({
    title: "Chinese bytes per token (held-out text from the course generator)",
    yLabel: "bytes / token",
    bars: rows.map((r) => ({
      label: r.name.replace(/ \(.*\)/, "").replace("o200k / GPT-4o", "o200k"),
      value: Number(r.zhBpt.toFixed(2)),
    })),
  }),
);
console.log(`wrote ${svgPath}`);

// --------------------------------------------------------- 3. streaming
heading("3. Decoding a stream: half a character must wait");
const gpt2 = tokenizers[1];
const hello = "你好🤖";
const ids = gpt2.encode(hello);
const stream = gpt2.streamDecoder();
console.log(
  `GPT-2 encodes ${JSON.stringify(hello)} (${bytesOf(hello)} bytes) as ${ids.length} tokens: ${ids.join(" ")}`,
);
console.log(
  table(
    ["token", "bytes", "decoded alone", "stream prints", "bytes held"],
    ids.map((id) => {
      const alone = gpt2.decode([id], { errors: "replace" });
      const out = stream.push(id);
      return [id, gpt2.show(id), JSON.stringify(alone), JSON.stringify(out), stream.held];
    }),
  ),
);
stream.end();

// --------------------------------------------------------- 4. expansion
heading("4. Vocabulary expansion (词表扩充): 2,000 Chinese merges on top of GPT-2");
const zhTrain = corpus(11, 400_000, "zh");
t0 = performance.now();
const { tokenizer: expanded, added } = expandVocab(gpt2, zhTrain, 2000);
console.log(
  `learned ${added.length} merges on ${bytesOf(zhTrain).toLocaleString("en")} bytes of Chinese (seed 11) in ${seconds(t0)} s; new ids ${added[0].id}..${added.at(-1)!.id}`,
);
console.log(
  `some new tokens: ${added
    .slice(0, 6)
    .concat(added.slice(-6))
    .map((m) => expanded.show(m.id))
    .join("  ")}`,
);
const before = tokensPerChar(gpt2, chinese);
const after = tokensPerChar(expanded, chinese);
console.log(
  table(
    ["held-out text", "GPT-2 tokens/char", "expanded tokens/char", "change"],
    [
      [
        "Chinese (seed 8)",
        Number(before.toFixed(3)),
        Number(after.toFixed(3)),
        `${((after / before - 1) * 100).toFixed(0)}%`,
      ],
      [
        "Chinese, hand-written passage",
        Number(tokensPerChar(gpt2, CHINESE_PASSAGE).toFixed(3)),
        Number(tokensPerChar(expanded, CHINESE_PASSAGE).toFixed(3)),
        `${((tokensPerChar(expanded, CHINESE_PASSAGE) / tokensPerChar(gpt2, CHINESE_PASSAGE) - 1) * 100).toFixed(0)}%`,
      ],
      [
        "English (seed 7)",
        Number(tokensPerChar(gpt2, english).toFixed(3)),
        Number(tokensPerChar(expanded, english).toFixed(3)),
        "0%",
      ],
    ],
  ),
);
console.log(
  "(the generated text reuses the generator's few hundred words, so it gains most; the hand-written passage is the fairer figure)",
);
const same = JSON.stringify(gpt2.encode(english)) === JSON.stringify(expanded.encode(english));
console.log(
  `English ids identical before and after expansion: ${same ? "yes" : "NO"}; old ids keep their meaning, new ones need training (Cui et al. 2023 continue pre-training for that).`,
);
console.log("\nNext: npm run exercise -- start tokenizers");
