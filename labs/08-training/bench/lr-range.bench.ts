// npx tsx bench/lr-range.bench.ts   (or: npm run bench -- --only labs/08-training)
//
// The learning-rate range test (src/schedules.ts) on a small fresh GPT (2 layers,
// width 64, context 64, the course vocabulary of 1024): 200 steps of AdamW while η
// grows from 1e-5 to 10, loss against log10 η in plots/lr-range.svg. Then two short
// runs from the same seed and the same batches, peak rate = the test's suggestion
// (a tenth of the rate at the smoothed minimum): warmup + cosine against
// WSD (last 20% decaying, 1-sqrt), with the held-out loss of each and of WSD's
// stable-phase checkpoint. plots/schedules.svg draws the three schedules.
// Single-threaded; about a minute on a laptop core.

import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ratioLine, svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import {
  AdamW,
  clipGradNorm,
  createGPT,
  decayMask,
  type GPT,
  heldoutLoss,
  heldoutTokens,
  lossAndGrads,
  makeConfig,
  sampleBatch,
  trainTokens,
  zeroGrads,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { learningRate, lrRangeTest, pickLr, type WSDSchedule, wsdLearningRate } from "../src/schedules.ts";

const config = makeConfig({ n_layer: 2, n_head: 2, n_embd: 64, n_positions: 64, vocab_size: 1024 });
const B = 4;
const T = 64;
const STEPS = 200;
const PLOTS = join(import.meta.dirname, "..", "plots");

const train = await trainTokens(100_000);
const heldout = await heldoutTokens(4_160);

// 1. The range test
let t0 = performance.now();
const range = lrRangeTest(createGPT(config, 1), train, {
  lo: 1e-5,
  hi: 10,
  steps: STEPS,
  B,
  T,
  seed: 2,
  beta: 0.95,
});
const rangeSeconds = (performance.now() - t0) / 1000;
const { atMin, suggested } = pickLr(range.lrs, range.smoothed);
const rows: (string | number)[][] = [];
for (let i = 0; i < range.stoppedAt; i += 20)
  rows.push([i, range.lrs[i].toExponential(2), range.losses[i].toFixed(3), range.smoothed[i].toFixed(3)]);
const last = range.stoppedAt - 1;
rows.push([
  last,
  range.lrs[last].toExponential(2),
  range.losses[last].toFixed(3),
  range.smoothed[last].toFixed(3),
]);
console.log(
  `LR range test: ${range.stoppedAt} of ${STEPS} steps (B = ${B}, T = ${T}), ${rangeSeconds.toFixed(1)} s`,
);
console.log(table(["step", "η", "loss", "smoothed"], rows));
console.log(
  `smoothed minimum at η = ${atMin.toExponential(2)}; suggested η_max = ${suggested.toExponential(2)} (a tenth)`,
);
// the plot stops where the loss passes 1.5× its start: the explosion after that
// (to 68 nats) would squash the interesting decades flat
const cut = range.losses.findIndex((l) => l > 1.5 * range.losses[0]);
const shown = cut < 0 ? range.stoppedAt : cut + 1;
const curve = (ys: number[]): [number, number][] =>
  ys.slice(0, shown).map((l, i) => [Math.log10(range.lrs[i]), l]);
writeSvg(
  join(PLOTS, "lr-range.svg"),
  svgLinePlot({
    title: "LR range test: loss while η grows exponentially",
    xLabel: "log10 η",
    yLabel: "loss (nats)",
    series: [
      { name: "loss", points: curve(range.losses) },
      { name: "smoothed (β 0.95)", points: curve(range.smoothed) },
    ],
  }),
);

// 2. Cosine against WSD, same seed, same batches
const maxLr = suggested;
const cosine = { maxLr, minLr: maxLr / 10, warmup: 20, total: STEPS };
const wsd: WSDSchedule = { ...cosine, decay: STEPS / 5, shape: "1-sqrt" };
const schedules: { name: string; lr: (step: number) => number }[] = [
  { name: "warmup + cosine", lr: (s) => learningRate(s, cosine) },
  { name: "WSD, 1-sqrt decay 20%", lr: (s) => wsdLearningRate(s, wsd) },
  { name: "WSD, linear decay 20%", lr: (s) => wsdLearningRate(s, { ...wsd, shape: "linear" }) },
];
const steps = Array.from({ length: STEPS }, (_, s) => s);
writeSvg(
  join(PLOTS, "schedules.svg"),
  svgLinePlot({
    title: `Learning-rate schedules, ${STEPS} steps, warmup 20`,
    xLabel: "step",
    yLabel: "η",
    series: schedules.map((s) => ({ name: s.name, points: steps.map((x) => [x, s.lr(x)]) })),
  }),
);

// A plain loop (train.ts without accumulation) taking any schedule; calls `at` after each step.
function run(lr: (step: number) => number, at?: (step: number, model: GPT) => void): number[] {
  const model = createGPT(config, 1);
  const rng = new Rng(3);
  const grads = zeroGrads(model);
  const opt = new AdamW(model.params.flat.length, decayMask(model), { weightDecay: 0.1 });
  const losses: number[] = [];
  let acts: ReturnType<typeof lossAndGrads>["acts"] | undefined;
  for (let step = 0; step < STEPS; step++) {
    const { x, y } = sampleBatch(rng, train, B, T);
    grads.flat.fill(0);
    const r = lossAndGrads(model, x, y, B, T, grads, acts);
    acts = r.acts;
    clipGradNorm(grads.flat, 1);
    opt.step(model.params.flat, grads.flat, lr(step));
    losses.push(r.loss);
    at?.(step, model);
  }
  return losses;
}

t0 = performance.now();
const results: { name: string; heldout: number; stable: number }[] = [];
const runRows: (string | number)[][] = [];
for (const [k, s] of schedules.slice(0, 2).entries()) {
  let stable = Number.NaN;
  let model: GPT | undefined;
  const losses = run(s.lr, (step, m) => {
    // WSD's stable-phase checkpoint: the model a longer run would branch its decay from
    if (k === 1 && step === STEPS - wsd.decay - 1) stable = heldoutLoss(m, heldout);
    model = m;
  });
  const h = heldoutLoss(model as GPT, heldout);
  results.push({ name: s.name, heldout: h, stable });
  const tail = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
  runRows.push([
    s.name,
    maxLr.toExponential(2),
    tail.toFixed(3),
    h.toFixed(4),
    k === 1 ? stable.toFixed(4) : "–",
  ]);
}
console.log(
  `\n${STEPS} steps × ${B * T} tokens, AdamW (wd 0.1, clip 1), η_max = ${maxLr.toExponential(2)}, η_min = η_max/10; held-out: ${heldout.length} tokens; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(
  table(["schedule", "η_max", "train loss (last 20)", "held-out loss", "held-out at end of stable"], runRows),
);
console.log(ratioLine("wsd-vs-cosine-heldout-loss", results[1].heldout / results[0].heldout));
// what the last 20% of WSD buys: held-out loss at the end of the stable phase over the final one
console.log(ratioLine("wsd-stable-vs-decayed-heldout-loss", results[1].stable / results[1].heldout));
console.log("wrote plots/lr-range.svg and plots/schedules.svg");
