// npx tsx bench/mixed-precision.bench.ts   (or: npm run bench -- --only labs/08-training)
//
// Mixed precision, emulated (src/mixed-precision.ts says exactly what is rounded and what is not).
//  1. Flush to zero: the real gradients of the course's trained GPT-2 target (lossAndGrads on
//     one batch of 4 × 128 training tokens), stored in fp16 as S · g for S = 1 … 2^20. What
//     share of the nonzero entries become 0, and what share overflow to inf.
//  2. Four seeded runs of a small GPT-2 from scratch, same batches: fp32; bf16; fp16 with a
//     dynamic loss scaler (S₀ = 2^16, growth interval 50 instead of PyTorch's 2000, so that it
//     moves within 150 steps); fp16 without scaling. Final losses, held-out loss (with the
//     run's own half-precision linears, src/mixed-precision.ts halfLinear), skipped steps.
// Writes plots/mixed-precision.svg (the four loss curves). Single-threaded; about a minute.

import { join } from "node:path";
import { ratioLine, svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import {
  checkpointDir,
  createGPT,
  heldoutTokens,
  loadCheckpoint,
  lossAndGrads,
  makeConfig,
  trainTokens,
  zeroGrads,
} from "@llm-labs/model";
import {
  flushShare,
  halfLinear,
  type MixedConfig,
  type MixedStep,
  overflowShare,
  type Precision,
  trainMixed,
  windowLoss,
} from "../src/mixed-precision.ts";

const tokens = await trainTokens(300_000);
const heldout = await heldoutTokens(20_000);

// 1. flush to zero on the trained target's gradients
const target = loadCheckpoint(checkpointDir("target"));
const B = 4;
const T = 128;
const grads = zeroGrads(target);
const { loss } = lossAndGrads(target, tokens.slice(0, B * T), tokens.slice(1, B * T + 1), B, T, grads);
const g = grads.flat;
let nonzero = 0;
let maxAbs = 0;
let belowSub = 0;
for (const v of g) {
  if (v === 0) continue;
  nonzero++;
  maxAbs = Math.max(maxAbs, Math.abs(v));
  if (Math.abs(v) < 2 ** -24) belowSub++;
}
console.log(
  `target GPT-2 (${g.length.toLocaleString("en-US")} parameters), one batch ${B}×${T}: loss ${loss.toFixed(3)}, ` +
    `${nonzero.toLocaleString("en-US")} nonzero gradient entries, max |g| = ${maxAbs.toExponential(2)}, ` +
    `${((100 * belowSub) / nonzero).toFixed(2)}% below fp16's smallest subnormal 2^-24\n`,
);
const pct = (x: number) => `${(100 * x).toFixed(3)}%`;
const scales = [0, 4, 8, 10, 12, 14, 16, 20, 21];
const flush: Record<number, number> = {};
console.log(
  table(
    ["loss scale S", "fp16: flushed to 0", "fp16: overflow to inf", "bf16: flushed to 0"],
    scales.map((k) => {
      flush[k] = flushShare(g, 2 ** k);
      return [`2^${k}`, pct(flush[k]), pct(overflowShare(g, 2 ** k)), pct(flushShare(g, 2 ** k, "bf16"))];
    }),
  ),
);

// 2. four runs of a small GPT-2
const config = makeConfig({ n_layer: 2, n_head: 4, n_embd: 64, n_positions: 64, vocab_size: 1024 });
const cfg: MixedConfig = {
  seed: 8,
  steps: 150,
  batchSize: 8,
  seqLen: 48,
  maxLr: 3e-3,
  minLr: 3e-4,
  warmup: 15,
  weightDecay: 0.1,
  gradClip: 1,
  scaler: { initScale: 2 ** 16, growthInterval: 50 },
};
const runs: { name: string; precision: Precision }[] = [
  { name: "fp32", precision: "fp32" },
  { name: "bf16", precision: "bf16" },
  { name: "fp16 + dynamic loss scaling", precision: "fp16-scaled" },
  { name: "fp16, no loss scaling", precision: "fp16" },
];
const logs: MixedStep[][] = [];
const rows: (string | number)[][] = [];
const finals: number[] = [];
for (const r of runs) {
  const model = createGPT(config, 8);
  const t0 = performance.now();
  const log = trainMixed(model, tokens, r.precision, cfg);
  const secs = (performance.now() - t0) / 1000;
  logs.push(log);
  const last = log.slice(-10).reduce((s, x) => s + x.loss, 0) / 10;
  finals.push(last);
  const format = r.precision === "fp32" ? undefined : r.precision === "bf16" ? "bf16" : "fp16";
  const held32 = windowLoss(model, heldout, 64, 16);
  const heldHalf = format ? windowLoss(model, heldout, 64, 16, halfLinear(format)) : held32;
  const flushed = log.reduce((s, x) => s + x.flushed, 0) / log.length;
  const scalesSeen = log.map((x) => Math.log2(x.scale));
  rows.push([
    r.name,
    log[0].loss.toFixed(3),
    last.toFixed(4),
    held32.toFixed(4),
    heldHalf.toFixed(4),
    log.filter((x) => x.skipped).length,
    r.precision === "fp16-scaled" ? `2^${Math.min(...scalesSeen)} … 2^${Math.max(...scalesSeen)}` : "1",
    pct(flushed),
    secs.toFixed(1),
  ]);
}
console.log(
  `\nsmall GPT-2 (2 layers × 64, vocab 1024), ${cfg.steps} steps of ${cfg.batchSize}×${cfg.seqLen} tokens, seed ${cfg.seed}\n`,
);
console.log(
  table(
    [
      "run",
      "loss at step 0",
      "final loss (last 10)",
      "held-out, fp32 forward",
      "held-out, half linears",
      "skipped steps",
      "loss scale",
      "grads flushed (mean)",
      "seconds",
    ],
    rows,
  ),
);
console.log("");
console.log(ratioLine("mixed-precision bf16 / fp32 final loss", finals[1] / finals[0]));
console.log(ratioLine("mixed-precision fp16-scaled / fp32 final loss", finals[2] / finals[0]));
console.log(ratioLine("mixed-precision fp16-unscaled / fp32 final loss", finals[3] / finals[0]));
console.log(ratioLine("target flushed at S=1 / at S=2^10", flush[0] / Math.max(flush[10], 1e-12)));

const path = join(import.meta.dirname, "..", "plots", "mixed-precision.svg");
writeSvg(
  path,
  svgLinePlot({
    title: "Emulated mixed precision: training loss of a small GPT-2, same seed",
    xLabel: "step",
    yLabel: "training loss (nats/token)",
    series: runs.map((r, i) => ({
      name: r.name,
      points: logs[i].map((s) => [s.step, s.loss] as [number, number]),
    })),
  }),
);
console.log(`\nwrote ${path}`);
