// npx tsx bench/compare.bench.ts   (or: npm run bench -- --only labs/07-llama)
//
// The course's GPT-2 "target" and its Llama specimen side by side, from one run: parameters by
// kind (src/compare.ts), KV cache bytes per token, training tokens (training.json), held-out
// perplexity on the same tokens (windows of 128, the GPT-2's context, and the Llama at its own
// 512), and greedy decoding speed with the KV cache in our TypeScript forward pass and in ONNX
// Runtime (each checkpoint's onnx/model.onnx). Timing rounds are interleaved (TS GPT-2, TS Llama,
// ORT GPT-2, ORT Llama, repeat) and the medians compared. Single-threaded; well under a minute.

import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { median, ratioLine, table } from "@llm-labs/kit";
import {
  OrtGPT,
  checkpointDir,
  generate,
  heldoutLoss,
  heldoutTokens,
  isLlama,
  loadCheckpoint,
  loadSpecimen,
} from "@llm-labs/model";
import { kvBytesPerToken, paramsByKind, trainingRun } from "../src/compare.ts";

const HELDOUT = 4097; // 32 windows of 128, 8 of 512
const PROMPT = 16;
const NEW = 64;
const ROUNDS = 15;

const t0 = performance.now();
const gpt = loadCheckpoint(checkpointDir("target"));
const llama = loadSpecimen(checkpointDir("llama"));
if (!isLlama(llama)) throw new Error("checkpoints/llama is not a Llama");
const tokens = await heldoutTokens(HELDOUT);
const prompt = tokens.slice(0, PROMPT);

const pg = paramsByKind(gpt.config);
const pl = paramsByKind(llama.config);
const tg = trainingRun(checkpointDir("target"));
const tl = trainingRun(checkpointDir("llama"));
const pplG = Math.exp(heldoutLoss(gpt, tokens, 128));
const pplL128 = Math.exp(heldoutLoss(llama, tokens, 128));
const pplL512 = Math.exp(heldoutLoss(llama, tokens, 512));

// Decoding: greedy, NEW tokens after the PROMPT, no stop at end-of-text (equal work each round).
const ortG = await OrtGPT.load(gpt.config, join(checkpointDir("target"), "onnx", "model.onnx"));
const ortL = await OrtGPT.load(llama.config, join(checkpointDir("llama"), "onnx", "model.onnx"));
const runs = {
  "TS GPT-2": async () => generate(gpt, prompt, { maxNewTokens: NEW, stopAtEos: false }),
  "TS Llama": async () => generate(llama, prompt, { maxNewTokens: NEW, stopAtEos: false }),
  "ORT GPT-2": () => ortG.generateGreedy(prompt, NEW, false),
  "ORT Llama": () => ortL.generateGreedy(prompt, NEW, false),
};
type Run = keyof typeof runs;
const times: Record<Run, number[]> = { "TS GPT-2": [], "TS Llama": [], "ORT GPT-2": [], "ORT Llama": [] };
const outputs: Partial<Record<Run, number[]>> = {};
for (const [name, fn] of Object.entries(runs) as [Run, () => Promise<number[]>][]) outputs[name] = await fn(); // warm-up
for (let r = 0; r < ROUNDS; r++)
  for (const [name, fn] of Object.entries(runs) as [Run, () => Promise<number[]>][]) {
    const s = performance.now();
    await fn();
    times[name].push(performance.now() - s);
  }
await ortG.release();
await ortL.release();
const tps = (name: Run) => (NEW * 1000) / median(times[name]);
const same = (a: Run, b: Run) => (outputs[a]?.join() === outputs[b]?.join() ? "yes" : "no");

const n = (x: number) => x.toLocaleString("en-US");
const rows: (string | number)[][] = [
  ["parameters: embeddings", n(pg.embeddings), n(pl.embeddings)],
  ["parameters: attention", n(pg.attention), n(pl.attention)],
  ["parameters: MLP", n(pg.mlp), n(pl.mlp)],
  ["parameters: norms", n(pg.norms), n(pl.norms)],
  ["parameters: total", n(pg.total), n(pl.total)],
  ["KV cache bytes / token (float32)", n(kvBytesPerToken(gpt.config)), n(kvBytesPerToken(llama.config))],
  ["context (trained window)", n(gpt.config.n_positions), n(llama.config.max_position_embeddings)],
  [
    "training tokens (steps × batch × window × accum)",
    `${n(tg.tokens)} (${tg.steps}×${tg.batchSize}×${tg.seqLen}×${tg.accum})`,
    `${n(tl.tokens)} (${tl.steps}×${tl.batchSize}×${tl.seqLen}×${tl.accum})`,
  ],
  ["training time (training.json)", `${tg.seconds} s`, `${tl.seconds} s`],
  [`held-out perplexity, windows of 128 (${HELDOUT} tokens)`, pplG.toFixed(3), pplL128.toFixed(3)],
  ["held-out perplexity, windows of 512", "— (context 128)", pplL512.toFixed(3)],
  [
    `decode tok/s, TypeScript + KV cache (${NEW} new, greedy)`,
    tps("TS GPT-2").toFixed(0),
    tps("TS Llama").toFixed(0),
  ],
  [`decode tok/s, ONNX Runtime + KV cache`, tps("ORT GPT-2").toFixed(0), tps("ORT Llama").toFixed(0)],
  ["TS and ORT pick the same 64 tokens", same("TS GPT-2", "ORT GPT-2"), same("TS Llama", "ORT Llama")],
];
console.log(table(["", "GPT-2 target", "Llama specimen"], rows));
console.log(`median of ${ROUNDS} interleaved rounds, prompt ${PROMPT} held-out tokens, single-threaded`);
console.log(ratioLine("decode-ts llama/gpt2", tps("TS Llama") / tps("TS GPT-2")));
console.log(ratioLine("decode-ort llama/gpt2", tps("ORT Llama") / tps("ORT GPT-2")));
console.log(ratioLine("decode-gpt2 ort/ts", tps("ORT GPT-2") / tps("TS GPT-2")));
console.log(ratioLine("decode-llama ort/ts", tps("ORT Llama") / tps("TS Llama")));
console.log(
  ratioLine("kv-bytes-per-token gpt2/llama", kvBytesPerToken(gpt.config) / kvBytesPerToken(llama.config)),
);
console.log(`compare bench: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
