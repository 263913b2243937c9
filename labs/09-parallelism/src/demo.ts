// npm run lab parallelism
//
// The lab's story in one run, about half a minute, on real worker threads: what a ring
// all-reduce of the target's gradient moves; two ranks training the target and landing
// on the weights one thread lands on; what ZeRO takes off each rank; one block of the
// target split Megatron-style across ranks; the pipeline's bubble; and the plan a cost
// model picks for a real cluster. Speed lives in bench/data-parallel.bench.ts.

import { table } from "@llm-labs/kit";
import { FP32_ADAM, zeroMemory } from "@llm-labs/lab-training";
import {
  type TrainConfig,
  allocActivations,
  checkpointDir,
  createGPT,
  encoderForward,
  gptBlockForward,
  heldoutTokens,
  loadCheckpoint,
  train,
  trainTokens,
} from "@llm-labs/model";
import { setMatmulKernels } from "@llm-labs/tensor";
import { bubbleFraction, type Cluster, planParallelism } from "./cost-model.ts";
import type { DataParallelInput, DataParallelOutput } from "./data-parallel.ts";
import { gpipeSchedule, oneFOneBSchedule, simulateSchedule } from "./pipeline.ts";
import type { BlockInput, BlockOutput } from "./tensor-parallel.ts";
import { runWorld } from "./world.ts";
import type { ZeroOutput } from "./zero.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

const target = loadCheckpoint(checkpointDir("target"));
const config = target.config;
const P = target.params.flat.length;
const tokens = Uint16Array.from(await trainTokens(50_000));
const here = (f: string) => new URL(f, import.meta.url);

// ------------------------------------------------------------------ 1. all-reduce
heading("1. A ring all-reduce moves 2(N − 1)/N of the gradient per rank, whatever N is");
const S = P;
console.log(`the target's gradient: S = ${S.toLocaleString("en-US")} floats = ${mib(4 * S)}`);
const rows: string[][] = [];
for (const N of [2, 4, 8]) {
  const res = await runWorld<{ bytes: number; ok: boolean }>(
    { module: here("./demo-tasks.ts"), name: "allReduceGradient" },
    { size: N, capacity: Math.ceil(S / N) + 1 },
    () => S,
  );
  rows.push([
    String(N),
    mib(res[0].output.bytes),
    mib((2 * (N - 1) * 4 * S) / N),
    res.every((r) => r.output.ok) ? "yes" : "NO",
  ]);
}
console.log(table(["ranks N", "sent per rank (measured)", "2(N−1)/N · S", "every rank has Σ"], rows));
console.log(
  "A naive all-to-one reduce would make one rank receive (N − 1)·S; the ring keeps every link equally busy.",
);

// ------------------------------------------------------------------ 2. data parallel
heading("2. Data parallel: two workers, one micro-batch each, the same weights as one thread");
const cfg: TrainConfig = {
  seed: 1234,
  batchSize: 4,
  seqLen: 128,
  accum: 2,
  steps: 4,
  maxLr: 3e-3,
  minLr: 3e-4,
  warmup: 2,
  weightDecay: 0.1,
  gradClip: 1,
};
// both sides on the SIMD matmul (as `npm run train`): deterministic, so still comparable bit for bit
await setMatmulKernels("simd");
const serial = createGPT(config, cfg.seed);
const serialLosses = train(serial, tokens, cfg);
await setMatmulKernels("js");
const dp = await runWorld<DataParallelOutput>(
  { module: here("./data-parallel.ts"), name: "dataParallelTrain" },
  { size: 2, capacity: Math.ceil(P / 2) + 1 },
  (): DataParallelInput => ({ config, tokens, cfg, kernels: "simd" }),
);
let differ = 0;
for (let i = 0; i < P; i++) if (dp[0].output.params[i] !== serial.params.flat[i]) differ++;
console.log(
  table(
    ["step", "loss, 1 thread (accum 2)", "loss, 2 ranks"],
    serialLosses.map((l, s) => [String(s + 1), l.toFixed(6), dp[0].output.losses[s].toFixed(6)]),
  ),
);
console.log(
  `after ${cfg.steps} steps of the target from scratch, weights that differ: ${differ} of ${P.toLocaleString("en-US")}`,
);

// ------------------------------------------------------------------ 3. ZeRO
heading("3. ZeRO: the same training, with less on each rank");
const zeroRows: string[][] = [];
for (const stage of [1, 2, 3] as const) {
  const res = await runWorld<ZeroOutput>(
    { module: here("./zero.ts"), name: "zeroTrain" },
    { size: 2, capacity: Math.ceil(P / 2) + 1 },
    () => ({ config, tokens, cfg: { ...cfg, steps: 1 }, stage }),
  );
  const b = res[0].output.bytesHeld;
  zeroRows.push([
    `stage ${stage}`,
    mib(b.weights),
    mib(b.grads),
    mib(b.optimizer),
    mib(b.weights + b.grads + b.optimizer),
    mib(zeroMemory(P, 2, stage, FP32_ADAM).total),
  ]);
}
console.log(
  table(
    ["rank 0 holds", "weights", "gradients", "Adam m, v", "total (measured)", "lab 08's formula"],
    [["no ZeRO", mib(4 * P), mib(4 * P), mib(8 * P), mib(16 * P), mib(16 * P)], ...zeroRows],
  ),
);
console.log(
  "Stage 3 on 64 ranks would hold 1/64 of everything: how the ZeRO paper fits 7.5B parameters in 1.9 GB a device.",
);

// ------------------------------------------------------------------ 4. tensor parallel
heading("4. Tensor parallel: block 0 of the target split over 2 and 4 ranks");
const C = config.n_embd;
const T = 64;
const ids = (await heldoutTokens(T)).slice(0, T);
const x = new Float32Array(T * C);
encoderForward(x, ids, target.params.wte, target.params.wpe, 1, T, C, config.vocab_size);
const dense = Float32Array.from(
  gptBlockForward(target, 0, x, allocActivations(config, 1, T).layers[0], 1, T),
);
const tpRows: string[][] = [];
for (const N of [2, 4]) {
  const res = await runWorld<BlockOutput>(
    { module: here("./tensor-parallel.ts"), name: "tensorParallelBlock" },
    { size: N, capacity: T * C },
    (): BlockInput => ({ layer: 0, x, T }),
  );
  let worst = 0;
  for (let i = 0; i < T * C; i++) worst = Math.max(worst, Math.abs(res[0].output.y[i] - dense[i]));
  tpRows.push([
    String(N),
    `${res[0].output.weightFloats.toLocaleString("en-US")} of ${(12 * C * C).toLocaleString("en-US")}`,
    String(res[0].output.allReduces),
    worst.toExponential(1),
  ]);
}
console.log(table(["ranks", "matrix entries per rank", "all-reduces (forward)", "max |TP − dense|"], tpRows));
console.log(
  "Each rank multiplies 1/N of the block's weights; the price is one all-reduce of [T, C] per sublayer.",
);

// ------------------------------------------------------------------ 5. pipeline
heading("5. Pipeline: the bubble shrinks with more micro-batches; 1F1B holds fewer of them");
const p = 4;
console.log(
  table(
    [
      "micro-batches m",
      "bubble (4 stages)",
      "(p − 1)/(m + p − 1)",
      "held per stage, GPipe",
      "held per stage, 1F1B",
    ],
    [1, 4, 8, 16].map((m) => {
      const g = simulateSchedule(gpipeSchedule(p, m), { tF: 1, tB: 2 });
      const o = simulateSchedule(oneFOneBSchedule(p, m), { tF: 1, tB: 2 });
      return [
        String(m),
        `${(100 * o.bubble).toFixed(1)}%`,
        `${(100 * bubbleFraction(p, m)).toFixed(1)}%`,
        g.peakHeld.join(", "),
        o.peakHeld.join(", "),
      ];
    }),
  ),
);

// ------------------------------------------------------------------ 6. planning
heading("6. Past one machine: the planner's pick for a 7B model on 16 H100s");
const cluster: Cluster = {
  devices: 16,
  devicesPerNode: 8,
  flops: 989e12,
  efficiency: 0.4,
  intraNodeBandwidth: 450e9,
  interNodeBandwidth: 50e9,
  latency: 5e-6,
  memory: 80e9,
};
const plans = planParallelism({ layers: 32, hidden: 4096, heads: 32, seq: 4096, vocab: 32000 }, cluster, {
  globalBatch: 256,
  microBatch: 1,
});
console.log(
  table(
    ["dp", "tp", "pp", "ZeRO", "step (s)", "memory (GB)", "fits 80 GB"],
    plans.plans
      .slice(0, 5)
      .map((e) => [
        String(e.plan.dp),
        String(e.plan.tp),
        String(e.plan.pp),
        String(e.plan.zeroStage),
        e.time.total.toFixed(2),
        (e.memory.total / 1e9).toFixed(1),
        e.fits ? "yes" : "no",
      ]),
  ),
);
const best = plans.best;
console.log(
  best
    ? `chosen: dp ${best.plan.dp} × tp ${best.plan.tp} × pp ${best.plan.pp}, ZeRO-${best.plan.zeroStage}: the fastest plan that fits.`
    : "no plan fits",
);
