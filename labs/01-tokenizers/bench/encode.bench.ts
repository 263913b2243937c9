// npm run bench -- --only labs/01-tokenizers   (or: npx tsx bench/encode.bench.ts)
//
// Our encoder against three JavaScript tokenizers, all on the o200k_base
// (GPT-4o) vocabulary and the same text:
//   gpt-tokenizer   pure TypeScript, with a merge cache
//   js-tiktoken     pure JavaScript port of tiktoken, no cache
//   tiktoken        OpenAI's Rust tiktoken compiled to WebAssembly
// Every encoder must return exactly the same ids, or the bench fails.
//
// Two texts, both ~1 MB and both from seeded generators (no internet here):
//   "course text"  src/corpus.ts, seed 2024: English and Chinese sentences
//                  about the course's topics. Its words repeat a lot, as in
//                  real text, so caches help.
//   "word soup"    random 2-9 letter "words" of Latin letters or common Han
//                  characters: almost every piece is new, so this measures
//                  the BPE merge loop itself.
// "warm" times the second and later encodes of the same text (caches full),
// "cold" empties our cache and gpt-tokenizer's before every run.

import o200k from "js-tiktoken/ranks/o200k_base";
import { Tiktoken } from "js-tiktoken/lite";
import { clearMergeCache, encode as gptTokenizerEncode } from "gpt-tokenizer/encoding/o200k_base";
import { get_encoding } from "tiktoken";
import { Rng } from "@llm-labs/tensor";
import { ratioLine, table, timeIt } from "@llm-labs/kit";
import { corpus } from "../src/corpus.ts";
import { tokenizerFromJsTiktoken } from "../src/tiktoken-ranks.ts";

function wordSoup(seed: number, bytes: number): string {
  const rng = new Rng(seed);
  const latin = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const han =
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长";
  const words: string[] = [];
  let size = 0;
  while (size < bytes) {
    const alphabet = rng.next() < 0.7 ? latin : han;
    let w = "";
    for (let i = 2 + rng.int(8); i > 0; i--) w += alphabet[rng.int(alphabet.length)];
    words.push(w);
    size += Buffer.byteLength(w) + 1;
  }
  return words.join(" ");
}

const t0 = performance.now();
const ours = tokenizerFromJsTiktoken("o200k_base", o200k);
const loadOurs = performance.now() - t0;
const jsTiktoken = new Tiktoken(o200k);
const wasm = get_encoding("o200k_base");
console.log(`loaded o200k_base into our tokenizer in ${(loadOurs / 1000).toFixed(1)} s`);

const texts = { "course text": corpus(2024, 1_000_000, "mixed"), "word soup": wordSoup(2024, 1_000_000) };
const rows: (string | number)[][] = [];
const ratios: string[] = [];

for (const [textName, text] of Object.entries(texts)) {
  const mb = Buffer.byteLength(text) / 1e6;
  const want = ours.encode(text);
  const check = (name: string, ids: ArrayLike<number>) => {
    if (ids.length !== want.length || Array.from(ids).some((id, i) => id !== want[i]))
      throw new Error(`${name} and ours disagree on the ${textName}`);
  };
  check("gpt-tokenizer", gptTokenizerEncode(text));
  check("js-tiktoken", jsTiktoken.encode(text));
  check("tiktoken (wasm)", wasm.encode(text));

  const ms = {
    ours: timeIt(() => ours.encode(text), { repeat: 5 }),
    oursCold: timeIt(
      () => {
        ours.clearCache();
        ours.encode(text);
      },
      { repeat: 5 },
    ),
    gpt: timeIt(() => gptTokenizerEncode(text), { repeat: 5 }),
    gptCold: timeIt(
      () => {
        clearMergeCache();
        gptTokenizerEncode(text);
      },
      { repeat: 5 },
    ),
    // js-tiktoken has no cache and the check above already warmed it up.
    js: timeIt(() => jsTiktoken.encode(text), { repeat: 2, warmup: 0 }),
    wasm: timeIt(() => wasm.encode(text), { repeat: 5 }),
  };
  const row = (name: string, t: number) =>
    rows.push([textName, name, Number(t.toFixed(0)), Number((mb / (t / 1000)).toFixed(2))]);
  row("ours, warm", ms.ours);
  row("ours, cold", ms.oursCold);
  row("gpt-tokenizer, warm", ms.gpt);
  row("gpt-tokenizer, cold", ms.gptCold);
  row("js-tiktoken", ms.js);
  row("tiktoken (wasm)", ms.wasm);
  const suffix = textName === "course text" ? "" : "-soup";
  ratios.push(
    ratioLine(`encode${suffix} ours/gpt-tokenizer`, ms.gpt / ms.ours),
    ratioLine(`encode${suffix}-cold ours/gpt-tokenizer`, ms.gptCold / ms.oursCold),
    ratioLine(`encode${suffix} ours/js-tiktoken`, ms.js / ms.ours),
    ratioLine(`encode${suffix} ours/tiktoken-wasm`, ms.wasm / ms.ours),
  );
  console.log(
    `${textName}: ${want.length.toLocaleString("en")} tokens from ${Buffer.byteLength(text).toLocaleString("en")} bytes, identical ids from all four encoders`,
  );
}
wasm.free();

console.log("\n" + table(["text", "encoder (o200k_base)", "ms (median)", "MB/s"], rows));
console.log("\nratio = their time / our time on the same text: above 1 means ours is faster");
for (const r of ratios) console.log(r);
