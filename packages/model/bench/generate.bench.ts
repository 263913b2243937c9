// Tokens/s of greedy generation with the target checkpoint: our TypeScript
// forward with a KV cache, without one (re-running the whole prefix every step),
// and ONNX Runtime (1 thread, with its cache). `npx tsx bench/generate.bench.ts`
//
// The context is 128 positions, so "128-token generation" is a 1-token prompt
// (<|endoftext|>, the start of a story) and 127 new tokens: 128 positions in all.

import { ratioLine, table, timeIt, timeItAsync } from "@llm-labs/kit";
import { checkpointDir, loadCheckpoint } from "../src/checkpoints.ts";
import { generate } from "../src/generate.ts";
import { OrtGPT } from "../src/ort-runner.ts";
import { join } from "node:path";

const name = process.argv[2] ?? "target";
const dir = checkpointDir(name);
const model = loadCheckpoint(dir);
const prompt = [model.config.bos_token_id];
const N = model.config.n_positions - prompt.length;
const ort = await OrtGPT.load(model.config, join(dir, "onnx", "model.onnx"), 1);

let a: number[] = [];
let b: number[] = [];
let c: number[] = [];
const msCache = timeIt(() => (a = generate(model, prompt, { maxNewTokens: N, stopAtEos: false })), {
  repeat: 3,
});
// without a cache each run takes seconds: one timed run (the cached runs already warmed the JIT)
const msNoCache = timeIt(
  () => (b = generate(model, prompt, { maxNewTokens: N, stopAtEos: false, useCache: false })),
  { repeat: 1, warmup: 0 },
);
const msOrt = await timeItAsync(async () => (c = await ort.generateGreedy(prompt, N, false)), { repeat: 3 });
await ort.release();
if (a.join() !== b.join() || a.join() !== c.join()) throw new Error("bench: the three generators disagree");

const tps = (ms: number) => (N / ms) * 1000;
console.log(
  `${name}: greedy generation of ${N} tokens after a ${prompt.length}-token prompt (median of 3 runs; 1 run without cache)\n`,
);
console.log(
  table(
    ["runtime", "ms", "tokens/s"],
    [
      ["ts-cache", msCache.toFixed(0), tps(msCache).toFixed(0)],
      ["ts-nocache", msNoCache.toFixed(0), tps(msNoCache).toFixed(0)],
      ["ort (1 thread, cache)", msOrt.toFixed(0), tps(msOrt).toFixed(0)],
    ],
  ),
);
console.log();
console.log(ratioLine("generate ts-cache/ts-nocache", msNoCache / msCache));
console.log(ratioLine("generate ort/ts-cache", msCache / msOrt));
console.log(ratioLine("generate ort/ts-nocache", msNoCache / msOrt));
