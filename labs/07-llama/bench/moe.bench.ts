// npx tsx bench/moe.bench.ts   (or: npm run bench -- --only labs/07-llama)
//
// Dense vs mixture of experts at equal active parameters (src/moe-train.ts): a one-block
// next-token model on the course corpus (vocabulary 1024, width 32), its MLP either one SwiGLU
// of hidden 64 or 8 SwiGLU experts of hidden 32 with top-2 routing. Three seeded runs of the
// same length and learning rate: dense, MoE with the Switch load-balancing loss (α = 0.01),
// MoE without it (α = 0). Then, on held-out text: perplexity, tokens per second, and how evenly
// the experts are used (the coefficient of variation of the tokens each one gets).
// Finally the MLP block alone (src/moe.ts, float32) against a dense SwiGLU of the same active
// size, on 512 tokens: what routing costs when the vocabulary projection is not in the way.
// Single-threaded; about 2 minutes on a laptop core.

import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { median, ratioLine, svgBarChart, table, timeIt, writeSvg } from "@llm-labs/kit";
import { heldoutTokens, trainTokens } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { moeForward, type MoeWeights } from "../src/moe.ts";
import { evaluateTiny, initTiny, tinyParamCount, trainTiny, type TinyConfig } from "../src/moe-train.ts";

const STEPS = 400;
const BATCH = 256;
const LR = 1e-2;
const base: TinyConfig = { V: 1024, D: 32, I: 32, E: 8, k: 2, ffn: "dense", aux: 0 };
const runs: { name: string; cfg: TinyConfig }[] = [
  { name: "dense SwiGLU, hidden 64", cfg: base },
  { name: "MoE 8×32 top-2, α = 0.01", cfg: { ...base, ffn: "moe", aux: 0.01 } },
  { name: "MoE 8×32 top-2, α = 0", cfg: { ...base, ffn: "moe", aux: 0 } },
];

const train = await trainTokens(200_000);
const heldout = await heldoutTokens(20_000);

const rows: (string | number)[][] = [];
const results: { trainTps: number; evalTps: number; ppl: number; cv: number; load: Float64Array }[] = [];
for (const { name, cfg } of runs) {
  const m = initTiny(cfg, 1);
  let t0 = performance.now();
  const losses = trainTiny(m, train, { steps: STEPS, batch: BATCH, lr: LR, seed: 2 });
  const trainTps = (STEPS * BATCH) / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  const ev = evaluateTiny(m, heldout);
  const evalTps = (heldout.length - 2) / ((performance.now() - t0) / 1000);
  const p = tinyParamCount(cfg);
  const moe = cfg.ffn === "moe";
  results.push({ trainTps, evalTps, ppl: ev.perplexity, cv: ev.loadCv, load: ev.load });
  rows.push([
    name,
    Number(ev.perplexity.toFixed(3)),
    Number(losses[STEPS - 1].toFixed(3)),
    Math.round(trainTps),
    Math.round(evalTps),
    `${p.ffnActive} / ${p.ffnTotal}`,
    `${p.active} / ${p.total}`,
    moe ? ev.loadCv.toFixed(3) : "–",
  ]);
}

console.log(
  `${STEPS} steps × ${BATCH} tokens of the train split, AdamW, lr ${LR} (cosine); held-out: ${heldout.length} tokens`,
);
console.log(
  table(
    [
      "model",
      "held-out ppl",
      "last train loss",
      "train tok/s",
      "infer tok/s",
      "MLP params active / total",
      "all params active / total",
      "expert-load CV",
    ],
    rows,
  ),
);
for (const [i, r] of results.slice(1).entries())
  console.log(`${runs[i + 1].name}: held-out tokens per expert ${Array.from(r.load).join(" ")}`);

// The MLP block alone: moeForward (router + top-2 of 8 experts, hidden 32) vs a dense SwiGLU
// of hidden 64, written the same way (the MoE block with E = 1, k = 1 and I = 64).
const rng = new Rng(5);
const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.normal() * s);
const N = 512;
const D = 32;
const block = (E: number, I: number): MoeWeights => ({
  D,
  I,
  E,
  activation: "swiglu",
  Wr: rand(D * E, 1),
  Wg: rand(E * D * I, 0.2),
  Wu: rand(E * D * I, 0.2),
  Wd: rand(E * I * D, 0.2),
});
const x = rand(N * D, 1);
const dense = block(1, 64);
const moe = block(8, 32);
// one call of each per round, so that a busy neighbour slows both alike
const tDense: number[] = [];
const tMoe: number[] = [];
for (let round = 0; round < 23; round++) {
  tDense.push(timeIt(() => moeForward(x, dense, N, { k: 1 }), { repeat: 1, warmup: 0 }));
  tMoe.push(timeIt(() => moeForward(x, moe, N, { k: 2 }), { repeat: 1, warmup: 0 }));
}
// the first three rounds warm the JIT up
const msDense = median(tDense.slice(3));
const msMoe = median(tMoe.slice(3));
console.log(
  table(
    ["MLP block alone, 512 tokens, D = 32", "ms", "tok/s"],
    [
      ["dense SwiGLU hidden 64", Number(msDense.toFixed(2)), Math.round((N / msDense) * 1000)],
      ["MoE 8 × hidden 32, top-2", Number(msMoe.toFixed(2)), Math.round((N / msMoe) * 1000)],
    ],
  ),
);

const [d, a, z] = results;
const p = tinyParamCount(runs[1].cfg);
console.log(ratioLine("moe-mlp-total-over-active-params", p.ffnTotal / p.ffnActive));
console.log(ratioLine("dense-over-moe-heldout-ppl", d.ppl / a.ppl));
console.log(ratioLine("dense-over-moe-train-tokens-per-s", d.trainTps / a.trainTps));
console.log(ratioLine("dense-over-moe-mlp-block-tokens-per-s", msMoe / msDense));
console.log(ratioLine("load-cv-without-over-with-aux-loss", z.cv / Math.max(1e-9, a.cv)));

const plots = join(import.meta.dirname, "..", "plots");
for (const [r, tag, label] of [
  [a, "aux", "α = 0.01"],
  [z, "noaux", "α = 0"],
] as const)
  writeSvg(
    join(plots, `moe-load-${tag}.svg`),
    svgBarChart({
      title: `Held-out tokens per expert, MoE top-2 of 8, ${label} (CV ${r.cv.toFixed(2)})`,
      yLabel: "routing slots",
      bars: Array.from(r.load, (v, e) => ({ label: `e${e}`, value: v })),
    }),
  );
