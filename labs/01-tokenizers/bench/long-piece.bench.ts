// npx tsx bench/long-piece.bench.ts [--simple-up-to 20000]
//
// One long pre-token: Chinese with no spaces and no punctuation is a single
// \p{L}+ match, so the whole text reaches BPE as one piece. The exercise's
// merge loop (applyMerges, encode.ts) rescans every pair after each merge,
// O(n²); the tokenizer sends pieces of LONG_PIECE bytes or more to the heap
// merge (applyMergesLong, encode-long.ts), O(n log n). Both must return the
// same ids. o200k_base (GPT-4o), so most Han characters are one token and the
// pairs that merge are real two-character words.
//
// The scan is only timed up to --simple-up-to characters (default 20,000:
// 100,000 takes minutes); pass 100000 to time it there too.

import { parseArgs } from "node:util";
import o200k from "js-tiktoken/ranks/o200k_base";
import { ratioLine, table, timeIt } from "@llm-labs/kit";
import { corpus } from "../src/corpus.ts";
import { applyMerges } from "../src/encode.ts";
import { applyMergesLong } from "../src/encode-long.ts";
import { tokenizerFromJsTiktoken } from "../src/tiktoken-ranks.ts";
import { utf8Bytes } from "../src/bytes.ts";

const { values } = parseArgs({ options: { "simple-up-to": { type: "string", default: "20000" } } });
const simpleUpTo = Number(values["simple-up-to"]);

const tok = tokenizerFromJsTiktoken("o200k_base", o200k);
// Chinese from the lab's generator, everything but Han characters removed.
const han = corpus(2024, 600_000, "zh").replace(/\P{Script=Han}/gu, "");
// Where every piece starts: one token per byte.
const byteToId = new Int32Array(256).fill(-1);
tok.tokens.forEach((t, id) => {
  if (t !== undefined && t.length === 1 && byteToId[t[0]] === -1) byteToId[t[0]] = id;
});
const start = (text: string) => utf8Bytes(text).map((b) => byteToId[b]);

const rows: (string | number)[][] = [];
const ratios: string[] = [];
for (const chars of [1_000, 5_000, 20_000, 100_000]) {
  const text = han.slice(0, chars);
  if (tok.pieces(text).length !== 1) throw new Error("expected one piece");
  const ids = start(text);
  const runs = chars >= 20_000 ? 1 : 5;
  let fast: number[] = [];
  const tFast = timeIt(() => void (fast = applyMergesLong(ids, tok.merges)), { repeat: runs, warmup: 1 });
  rows.push([
    chars.toLocaleString(),
    ids.length.toLocaleString(),
    "heap (applyMergesLong)",
    tFast.toFixed(1),
  ]);
  if (chars <= simpleUpTo) {
    let slow: number[] = [];
    const tSlow = timeIt(() => void (slow = applyMerges([...ids], tok.merges)), {
      repeat: chars >= 20_000 ? 1 : 3,
      warmup: chars >= 20_000 ? 0 : 1,
    });
    if (slow.join(",") !== fast.join(",")) throw new Error(`the two merges disagree at ${chars} characters`);
    rows.push([chars.toLocaleString(), ids.length.toLocaleString(), "scan (applyMerges)", tSlow.toFixed(1)]);
    ratios.push(ratioLine(`long-piece-${chars} scan/heap`, tSlow / tFast));
  }
  // The whole tokenizer, as a learner calls it (pre-tokenize, merge, cache cleared).
  tok.clearCache();
  const tEncode = timeIt(
    () => {
      tok.clearCache();
      tok.encode(text);
    },
    { repeat: runs, warmup: 0 },
  );
  rows.push([chars.toLocaleString(), ids.length.toLocaleString(), "tokenizer.encode", tEncode.toFixed(1)]);
}
console.log(table(["Han characters", "bytes", "merge", "ms"], rows));
console.log(ratios.join("\n"));
