// npx tsx bench/train-speed.bench.ts   (or: npm run bench -- --only labs/08-training)
//
// How much faster the course's own training (`npm run train`) got, and from what.
// Four ways to run the same training steps of the target (its committed config:
// B = 4, T = 128, accum = 2), one after another in this process:
//   js serial      train() on one thread with the JS matmul loops (how the target was first trained)
//   simd serial    train() on one thread with the WebAssembly SIMD matmul
//   js × 2         trainParallel, two worker threads, JS loops
//   simd × 2       trainParallel, two worker threads, SIMD matmul: FAST_TRAINING
// Each is timed from its first step's end to its last (so worker start-up and the first
// step's allocations are not counted), and the four run in two interleaved rounds, so a
// busy moment of the machine slows every row a little instead of one row a lot.
// MFU as in mfu.bench.ts: PaLM's model FLOPs per token against ONNX Runtime's MatMul at
// 1024³, with one thread for the serial rows and two for the two-worker rows.
// About a minute.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { median, ratioLine, table } from "@llm-labs/kit";
import {
  FAST_TRAINING,
  type ParallelOptions,
  type TrainConfig,
  checkpointDir,
  createGPT,
  headDim,
  loadCheckpoint,
  train,
  trainParallel,
  trainTokens,
} from "@llm-labs/model";
import { GraphBuilder, f32, loadModel } from "@llm-labs/onnx";
import { Rng, matmulAccumulate, randn, setMatmulKernels } from "@llm-labs/tensor";
import { matmulFlops, mfu, modelFlopsPerToken } from "../src/mfu.ts";

const STEPS = 4; // per run; the first is not timed
const ROUNDS = 2;
const t0 = performance.now();

const dir = checkpointDir("target");
const config = loadCheckpoint(dir).config;
const log = JSON.parse(readFileSync(join(dir, "training.json"), "utf8"));
const cfg: TrainConfig = {
  seed: log.seed,
  batchSize: log.batchSize,
  seqLen: log.seqLen,
  accum: log.accum,
  steps: STEPS,
  maxLr: log.maxLr,
  minLr: log.minLr,
  warmup: log.warmup,
  weightDecay: log.weightDecay,
  gradClip: log.gradClip,
};
const tokens = await trainTokens(50_000);
const tokensPerStep = cfg.batchSize * cfg.seqLen * cfg.accum;

type Way = {
  name: string;
  opts: ParallelOptions | "serial-js" | "serial-simd";
  seconds: number;
  steps: number;
};
const ways: Way[] = [
  { name: "js serial", opts: "serial-js", seconds: 0, steps: 0 },
  { name: "simd serial", opts: "serial-simd", seconds: 0, steps: 0 },
  { name: "js × 2 workers", opts: { workers: 2, kernels: "js" }, seconds: 0, steps: 0 },
  { name: "simd × 2 workers (FAST_TRAINING)", opts: FAST_TRAINING, seconds: 0, steps: 0 },
];

for (let round = 0; round < ROUNDS; round++) {
  for (const way of ways) {
    const model = createGPT(config, cfg.seed);
    const ends: number[] = [];
    const onStep = () => ends.push(performance.now());
    if (way.opts === "serial-js" || way.opts === "serial-simd") {
      await setMatmulKernels(way.opts === "serial-js" ? "js" : "simd");
      train(model, tokens, cfg, onStep);
      await setMatmulKernels("js");
    } else await trainParallel(model, tokens, cfg, way.opts, onStep);
    way.seconds += (ends[ends.length - 1] - ends[0]) / 1000;
    way.steps += ends.length - 1;
  }
}

// ORT's MatMul at 1024³ on 1 and 2 threads: the peaks, each the fastest of 15 runs.
async function ortPeak(threads: number): Promise<number> {
  const n = 1024;
  const rng = new Rng(n);
  const ort = await loadModel(
    new GraphBuilder("matmul")
      .input("A", "float32", [n, n])
      .initializer("B", { type: "float32", data: randn(rng, [n, n]).data, dims: [n, n] })
      .node("MatMul", ["A", "B"], ["Y"])
      .output("Y", "float32", [n, n])
      .toModel({ opset: 21 }),
    { intraOpThreads: threads },
  );
  const feeds = ort.toOrtFeeds({ A: f32(randn(rng, [n, n]).data, [n, n]) });
  for (let w = 0; w < 3; w++) await ort.session.run(feeds);
  const times: number[] = [];
  for (let r = 0; r < 15; r++) {
    const s = performance.now();
    await ort.session.run(feeds);
    times.push(performance.now() - s);
  }
  await ort.release();
  return matmulFlops(n, n, n) / (Math.min(...times) / 1000); // a peak: the best run
}
const peak1 = await ortPeak(1);
const peak2 = await ortPeak(2);

// The two kernels alone on the same 1024³ product, one thread (the SIMD one including its packing).
function kernelRate(): number {
  const n = 1024;
  const rng = new Rng(7);
  const A = randn(rng, [n, n]).data;
  const B = randn(rng, [n, n]).data;
  const C = new Float32Array(n * n);
  const times: number[] = [];
  for (let r = 0; r < 4; r++) {
    const s = performance.now();
    matmulAccumulate(C, A, B, n, n, n);
    if (r > 0) times.push(performance.now() - s); // the first is the warm-up
  }
  return matmulFlops(n, n, n) / (median(times) / 1000);
}
await setMatmulKernels("js");
const jsKernel = kernelRate();
await setMatmulKernels("simd");
const simdKernel = kernelRate();
await setMatmulKernels("js");

const perToken = modelFlopsPerToken({
  N: createGPT(config, 0).params.flat.length,
  L: config.n_layer,
  H: config.n_head,
  Q: headDim(config),
  T: cfg.seqLen,
});
const rate = (w: Way) => (w.steps * tokensPerStep) / w.seconds;
const base = rate(ways[0]);
console.log(
  table(
    ["training step of the target", "tok/s", "× js serial", "MFU vs ORT MatMul"],
    ways.map((w) => {
      const twoThreads = typeof w.opts === "object" && w.opts.workers === 2;
      const m = mfu(rate(w), perToken, twoThreads ? peak2 : peak1);
      return [
        w.name,
        rate(w).toFixed(0),
        (rate(w) / base).toFixed(2),
        `${(100 * m).toFixed(1)}% of ${twoThreads ? 2 : 1} thread${twoThreads ? "s" : ""}`,
      ];
    }),
  ),
);
console.log(
  `ORT MatMul 1024³ float32: ${(peak1 / 1e9).toFixed(1)} GFLOP/s on 1 thread, ${(peak2 / 1e9).toFixed(1)} on 2; ` +
    `${ROUNDS} interleaved rounds of ${STEPS - 1} timed steps × ${tokensPerStep} tokens each`,
);
console.log(
  `the kernels alone, 1024³, 1 thread: JS loops ${(jsKernel / 1e9).toFixed(1)} GFLOP/s, SIMD (with packing) ${(simdKernel / 1e9).toFixed(1)}`,
);
console.log(ratioLine("simd/js kernel", simdKernel / jsKernel));
console.log(ratioLine("fast/js-serial", rate(ways[3]) / base));
console.log(ratioLine("simd/js (serial)", rate(ways[1]) / base));
console.log(ratioLine("2 workers/1 (js)", rate(ways[2]) / base));
console.log(ratioLine("2 workers/1 (simd)", rate(ways[3]) / rate(ways[1])));
console.log(`train-speed bench: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
