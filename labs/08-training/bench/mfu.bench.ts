// npx tsx bench/mfu.bench.ts   (or: npm run bench -- --only labs/08-training)
//
// The MFU of the course's own training loop, measured in one run. Our machine has no
// datasheet peak, so we measure one: ONNX Runtime's MatMul on one thread (intraOpThreads 1),
// on square float32 matrices, median of rounds. In the same run: our TypeScript
// matmulAccumulate on the same shapes, and a few steps of the real training step on the target
// (lossAndGrads at B = 4, T = 128, clipGradNorm, AdamW), whose tokens/s times PaLM's model FLOPs
// per token (6N + 12·L·H·Q·T, src/mfu.ts) is the FLOP/s the model needed. MFU against both peaks.
// Single-threaded; about 30 s.

import { performance } from "node:perf_hooks";
import { median, ratioLine, table } from "@llm-labs/kit";
import {
  AdamW,
  checkpointDir,
  clipGradNorm,
  decayMask,
  headDim,
  loadCheckpoint,
  lossAndGrads,
  sampleBatch,
  trainTokens,
  zeroGrads,
  type Activations,
} from "@llm-labs/model";
import { GraphBuilder, f32, loadModel } from "@llm-labs/onnx";
import { Rng, matmulAccumulate, randn } from "@llm-labs/tensor";
import { trainingFlops } from "../src/flops.ts";
import { matmulFlops, mfu, modelFlopsPerToken } from "../src/mfu.ts";

const SIZES = [512, 1024];
const ROUNDS = 15;
const WARMUP = 3;
const B = 4;
const T = 128;
const STEPS = 6; // timed training steps, after one warm-up step

const t0 = performance.now();

// 1. MatMul GFLOP/s, ORT and ours, one after the other in this process.
const matmul: { n: number; ort: number; ts: number }[] = [];
for (const n of SIZES) {
  const rng = new Rng(n);
  const A = randn(rng, [n, n]).data;
  const W = randn(rng, [n, n]).data;
  const ort = await loadModel(
    new GraphBuilder("matmul")
      .input("A", "float32", [n, n])
      .initializer("B", { type: "float32", data: W, dims: [n, n] })
      .node("MatMul", ["A", "B"], ["Y"])
      .output("Y", "float32", [n, n])
      .toModel({ opset: 21 }),
    { intraOpThreads: 1 },
  );
  const feeds = ort.toOrtFeeds({ A: f32(A, [n, n]) });
  const C = new Float32Array(n * n);
  const ts = () => {
    C.fill(0);
    matmulAccumulate(C, A, W, n, n, n);
  };
  // ORT in bursts of back-to-back runs (a small matmul then starts with its matrices in cache, as
  // in a real loop), then ours; the median round of each.
  const reps = Math.max(1, Math.round(2 ** 32 / matmulFlops(n, n, n))); // 16 at 512, 2 at 1024
  for (let w = 0; w < WARMUP * reps; w++) await ort.session.run(feeds);
  const tOrt: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const s = performance.now();
    for (let k = 0; k < reps; k++) await ort.session.run(feeds);
    tOrt.push((performance.now() - s) / reps);
  }
  for (let w = 0; w < WARMUP; w++) ts();
  const tTs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const s = performance.now();
    ts();
    tTs.push(performance.now() - s);
  }
  await ort.release();
  const gflops = (ms: number) => matmulFlops(n, n, n) / (ms * 1e6);
  matmul.push({ n, ort: gflops(median(tOrt)), ts: gflops(median(tTs)) });
}
// The peak: the best ORT figure; our matmul on that same shape.
const best = matmul.reduce((a, b) => (b.ort > a.ort ? b : a));

// 2. The training step of packages/model/src/train.ts, on the trained target.
const model = loadCheckpoint(checkpointDir("target"));
const c = model.config;
const tokens = await trainTokens(20_000);
const rng = new Rng(1234);
const grads = zeroGrads(model);
const opt = new AdamW(model.params.flat.length, decayMask(model), { weightDecay: 0.1 });
let acts: Activations | undefined;
const step = () => {
  const { x, y } = sampleBatch(rng, tokens, B, T);
  grads.flat.fill(0);
  const r = lossAndGrads(model, x, y, B, T, grads, acts);
  acts = r.acts;
  clipGradNorm(grads.flat, 1);
  opt.step(model.params.flat, grads.flat, 3e-4);
};
step(); // warm-up (allocates the activations)
const tStep: number[] = [];
for (let s = 0; s < STEPS; s++) {
  const st = performance.now();
  step();
  tStep.push(performance.now() - st);
}
const tokensPerSecond = (B * T * 1000) / median(tStep);

// 3. Model FLOPs per token and the MFU.
const N = model.params.flat.length;
const perToken = modelFlopsPerToken({ N, L: c.n_layer, H: c.n_head, Q: headDim(c), T });
const kaplanPerToken = trainingFlops({ N, nLayer: c.n_layer, nCtx: T, dModel: c.n_embd }, 1);
const achieved = (tokensPerSecond * perToken) / 1e9;
const mfuOrt = mfu(tokensPerSecond, perToken, best.ort * 1e9);
const mfuTs = mfu(tokensPerSecond, perToken, best.ts * 1e9);

const f1 = (x: number) => x.toFixed(1);
const n = (x: number) => Math.round(x).toLocaleString("en-US");
console.log(
  table(
    ["what", "value"],
    [
      ...matmul.map((m) => [`ORT MatMul GFLOP/s, ${m.n}×${m.n}×${m.n} float32, 1 thread`, f1(m.ort)]),
      ...matmul.map((m) => [`TS matmul GFLOP/s, ${m.n}×${m.n}×${m.n}`, f1(m.ts)]),
      [`training tokens/s (target, B = ${B}, T = ${T}, lossAndGrads + AdamW)`, f1(tokensPerSecond)],
      ["model FLOPs per token, 6N + 12·L·H·Q·T (PaLM)", n(perToken)],
      ["  (Kaplan's 6N + 6·n_layer·n_ctx·d_model, for comparison)", n(kaplanPerToken)],
      ["achieved GFLOP/s (tokens/s × model FLOPs per token)", f1(achieved)],
      [`MFU vs ORT MatMul peak (${best.n}³)`, `${(100 * mfuOrt).toFixed(1)}%`],
      [`MFU vs TS matmul on the same shape`, `${(100 * mfuTs).toFixed(1)}%`],
    ],
  ),
);
console.log(
  `median of ${ROUNDS} matmul rounds (${WARMUP} warm-up) and ${STEPS} training steps (after warm-up), single-threaded; N = ${n(N)}`,
);
console.log(ratioLine("matmul ort/ts", best.ort / best.ts));
console.log(ratioLine("ort-peak/achieved", 1 / mfuOrt));
console.log(ratioLine("ts-matmul/achieved", 1 / mfuTs));
console.log(`mfu bench: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
