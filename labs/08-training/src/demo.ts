// npm run lab training
//
// The lab's story in one run, about ten seconds, in the README's order: what fp16 and bf16
// do to numbers and to the real gradients of the course's trained target; how a dynamic
// loss scaler finds the largest safe scale; what the mean-of-means bug costs a
// fine-tuning step; what a step keeps for its backward with and without recomputation;
// what the two learning-rate schedules look like; where a training step's memory goes
// (the ZeRO paper's 7.5B model and our own 0.94M one); what a run costs in FLOPs.
// Speed (MFU, the course's own training before and after) is measured by the benches.

import { sparkline, table } from "@llm-labs/kit";
import {
  checkpointDir,
  countParams,
  learningRate,
  loadCheckpoint,
  lossAndGrads,
  trainTokens,
  zeroGrads,
} from "@llm-labs/model";
import { accumulateGradients, countTargets, type MicroBatch, relativeError } from "./accumulation.ts";
import { PF_DAY, trainingFlops } from "./flops.ts";
import { roundBf16, roundFp16, toBf16Bits, toFp16Bits } from "./formats.ts";
import { LossScaler } from "./loss-scale.ts";
import { lossAndGradsRecompute, ourActivationBytesPerLayer } from "./recompute.ts";
import { activationBytesPerLayer, bytesPerParam, FP32_ADAM, trainingMemory, zeroMemory } from "./memory.ts";
import { flushShare, overflowShare } from "./mixed-precision.ts";
import { wsdLearningRate } from "./schedules.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const hex = (b: number) => `0x${b.toString(16).padStart(4, "0")}`;
const pct = (x: number) => `${(100 * x).toFixed(3)}%`;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
const show = (x: number) => (Number.isFinite(x) && x !== 0 ? x.toPrecision(6) : String(x));

const target = loadCheckpoint(checkpointDir("target"));
const N = countParams(target.config);
const tokens = await trainTokens(20_000);

// ------------------------------------------------------------------ 1. formats
heading("1. Sixteen bits, two ways: fp16 keeps precision, bf16 keeps range");
const samples = [1 / 3, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 1e-5, 6e-8, 2e-8, 1e-30];
console.log(
  table(
    ["float32", "fp16 bits", "fp16 value", "bf16 bits", "bf16 value"],
    samples.map((x) => [
      show(Math.fround(x)),
      hex(toFp16Bits(x)),
      show(roundFp16(x)),
      hex(toBf16Bits(x)),
      show(roundBf16(x)),
    ]),
  ),
);
console.log(
  "1 + 2^-11 is exactly halfway between two fp16 neighbours and rounds to the even one (1); 1 + 3·2^-11 rounds up.\n" +
    "65520 is the first float32 that fp16 cannot hold; 6e-8 is a subnormal; 2e-8 is less than half of 2^-24 and becomes 0.\n" +
    "bf16 holds all of them, with 3 significant digits.",
);

// ------------------------------------------------------------------ 2. gradients in fp16
heading("2. The trained target's gradients, stored in fp16");
const B = 4;
const T = 128;
const x = Int32Array.from(tokens.slice(0, B * T));
const y = Int32Array.from(tokens.slice(1, B * T + 1));
const grads = zeroGrads(target);
const { loss } = lossAndGrads(target, x, y, B, T, grads);
const g = grads.flat as Float32Array;
const act = { s: T, b: B, h: target.config.n_embd, a: target.config.n_head };
let maxAbs = 0;
for (const v of g) maxAbs = Math.max(maxAbs, Math.abs(v));
console.log(
  `One batch of ${B}×${T} training tokens: loss ${loss.toFixed(3)}, ${N.toLocaleString("en-US")} gradient entries, largest |g| = ${maxAbs.toExponential(2)}.`,
);
const scales = [0, 8, 16, 20, 21];
console.log(
  table(
    ["loss scale S", "fp16: flushed to 0", "fp16: inf", "bf16: flushed to 0"],
    scales.map((k) => [
      `2^${k}`,
      pct(flushShare(g, 2 ** k)),
      pct(overflowShare(g, 2 ** k)),
      pct(flushShare(g, 2 ** k, "bf16")),
    ]),
  ),
);
// A dynamic scaler on these gradients, started too high, with a short growth interval
// so it shows all three moves: skip and back off, step, grow.
const scaler = new LossScaler({ initScale: 2 ** 24, growthInterval: 3 });
const trail: string[] = [];
for (let step = 0; step < 12; step++) {
  const S = scaler.scale;
  const decision = scaler.update(overflowShare(g, S) > 0);
  trail.push(`2^${Math.log2(S)}${decision === "skip" ? "✗" : "✓"}`);
}
console.log(`A dynamic scaler from S = 2^24, growing after 3 good steps (✗ skipped, ✓ stepped):`);
console.log(`  ${trail.join(" ")}`);
console.log(
  `It settles at the largest S whose scaled gradients fit under 65504, and probes one step higher every 3 steps\n` +
    `(PyTorch's GradScaler probes every 2000). ${scaler.skipped} of 12 steps were skipped.`,
);

// ------------------------------------------------------------------ 3. accumulation
heading("3. Four micro-batches of a fine-tuning step, with 2, 6, 12 and 30 answer tokens");
const answers = [2, 6, 12, 30];
const Tm = 32;
const micro: MicroBatch[] = answers.map((n, i) => {
  const o = 64 * i;
  return {
    ids: tokens.slice(o, o + Tm),
    targets: Array.from(tokens.slice(o + 1, o + Tm + 1), (t, j) => (j >= Tm - n ? t : -1)),
    B: 1,
    T: Tm,
  };
});
const big: MicroBatch = {
  ids: micro.flatMap((b) => Array.from(b.ids)),
  targets: micro.flatMap((b) => Array.from(b.targets)),
  B: answers.length,
  T: Tm,
};
const bigGrads = zeroGrads(target);
const bigLoss = lossAndGrads(target, big.ids, big.targets, big.B, big.T, bigGrads).loss;
const right = accumulateGradients(target, micro, "tokens");
const wrong = accumulateGradients(target, micro, "mean-of-means");
console.log(
  table(
    ["", "loss", "gradient vs the one big batch"],
    [
      ["one batch of all 4 (the truth)", bigLoss.toFixed(4), "—"],
      [
        "accumulated, weighted by tokens",
        right.loss.toFixed(4),
        relativeError(right.grads.flat, bigGrads.flat).toExponential(1),
      ],
      [
        "accumulated, 1/k each (mean of means)",
        wrong.loss.toFixed(4),
        relativeError(wrong.grads.flat, bigGrads.flat).toFixed(3),
      ],
    ],
  ),
);
console.log(
  `${answers.reduce((a, b) => a + b)} target tokens in all (${micro.map((b) => countTargets(b.targets)).join(" + ")}). With 1/k the 2-token micro-batch weighs 1/4\n` +
    `instead of 2/50: the gradient is off by the relative error above, the loss curve changes with k.`,
);

// ------------------------------------------------------------------ 4. recomputation
heading("4. What a step keeps for its backward, and what recomputing it costs");
const recRows = (["none", "selective", "full"] as const).map((mode) => {
  const r = lossAndGradsRecompute(target, x, y, B, T, zeroGrads(target), mode);
  return [
    mode,
    kib(r.keptPerBlock[0]),
    kib(ourActivationBytesPerLayer(act, mode)),
    kib(r.peakBytes),
    r.peakAt,
  ];
});
console.log(
  table(["mode", "kept per block, measured", "our fp32 formula", "peak of the step", "peak at"], recRows),
);
console.log(
  "Full recomputation keeps only each block's input and runs the block again in the backward pass (about a third\n" +
    "more compute); selective drops only the attention probabilities. Time: npx tsx labs/08-training/bench/recompute.bench.ts",
);

// ------------------------------------------------------------------ 5. schedules
heading("5. Two schedules over the target's 600 steps (η_max 3e-3, η_min 3e-4, warmup 30)");
const sched = { maxLr: 3e-3, minLr: 3e-4, warmup: 30, total: 600 };
const every = (f: (s: number) => number) => Array.from({ length: 60 }, (_, i) => f(i * 10));
const cosine = every((s) => learningRate(s, sched));
const wsd = every((s) => wsdLearningRate(s, { ...sched, decay: 120, shape: "1-sqrt" }));
console.log(`warmup + cosine  ${sparkline(cosine)}`);
console.log(`WSD, 1-sqrt      ${sparkline(wsd)}`);
console.log(
  table(
    ["step", "30", "150", "300", "480", "540", "600"],
    [
      ["cosine", ...[30, 150, 300, 480, 540, 600].map((s) => learningRate(s, sched).toExponential(2))],
      [
        "WSD",
        ...[30, 150, 300, 480, 540, 600].map((s) =>
          wsdLearningRate(s, { ...sched, decay: 120, shape: "1-sqrt" }).toExponential(2),
        ),
      ],
    ],
  ),
);
console.log("WSD holds η_max until step 480 and never needed to know the run's length before then.");

// ------------------------------------------------------------------ 6. memory
heading("6. Where the memory goes: 16 bytes a parameter, and ZeRO");
const psi = 7.5e9;
console.log(
  table(
    ["ZeRO paper, Ψ = 7.5B, N_d = 64", "weights", "gradients", "optimizer", "per device"],
    ([0, 1, 2, 3] as const).map((s) => {
      const m = zeroMemory(psi, 64, s);
      return [
        s === 0 ? "baseline DP" : `stage ${s}`,
        gb(m.weights),
        gb(m.grads),
        gb(m.optimizer),
        gb(m.total),
      ];
    }),
  ),
);
const ours = trainingMemory(N, target.config.n_layer, act, { bytes: FP32_ADAM });
console.log(
  `Our target, fp32 AdamW: ${N.toLocaleString("en-US")} × ${bytesPerParam(FP32_ADAM)} bytes = ${mb(ours.total - ours.activations)} of model states;\n` +
    `activations at B = ${B}, T = ${T} by Korthikanti's formula: ${mb(ours.activations)} (${target.config.n_layer} × ${mb(activationBytesPerLayer(act))}),\n` +
    `of which the attention scores are ${mb(target.config.n_layer * (activationBytesPerLayer(act) - activationBytesPerLayer(act, "selective")))}. At this batch the activations already weigh as much as the model, and they grow with B·T.`,
);

// ------------------------------------------------------------------ 7. FLOPs
heading("7. What a training run costs: 6·N·D plus attention");
const shape = { N, nLayer: target.config.n_layer, nCtx: T, dModel: target.config.n_embd };
const D = 600 * 2 * B * T;
const C = trainingFlops(shape, D);
const gpt3 = trainingFlops({ N: 175e9, nLayer: 96, nCtx: 2048, dModel: 12288 }, 300e9);
console.log(
  `The target: ${D.toLocaleString("en-US")} tokens × ${(C / D).toLocaleString("en-US")} FLOPs a token = ${C.toExponential(2)} FLOPs.\n` +
    `GPT-3 175B on 300B tokens: ${gpt3.toExponential(2)} FLOPs, ${(gpt3 / PF_DAY).toFixed(0)} petaFLOP/s-days: ${(gpt3 / C).toExponential(1)} of our runs.\n` +
    `How many of those FLOPs per second our own loop achieves (MFU): npx tsx labs/08-training/bench/mfu.bench.ts`,
);
