// npx tsx labs/14-distillation/bench/factorization.bench.ts
//
// Low-rank factorization of the target (4 layers × 128, every linear):
//   1. held-out perplexity against the parameter ratio ρ for SVD, ASVD, SVD-LLM
//      (calibration: 1,024 train tokens; scoring: 2,048 held-out tokens) → plots/factorization.svg
//   2. LoRC on lab 04's RTN INT4 (g32): perplexity as the correction's rank grows
//   3. the rank-r layer's real speed: x W against (x A) B in the course's matmul
// Writes plots/factorization.svg (no timings in it: the same numbers every run).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dequantizeInt4, quantizeRtn } from "@llm-labs/lab-quantization";
import { svgLinePlot, table, timeIt, writeSvg } from "@llm-labs/kit";
import {
  checkpointDir,
  heldoutLoss,
  heldoutTokens,
  linearForward,
  linearParamCount,
  loadCheckpoint,
  mapLinears,
  trainTokens,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { calibrate, FACTORIZATIONS, factorizeModel } from "../src/factorize.ts";
import { lorc } from "../src/lorc.ts";
import { rankForRatio } from "../src/low-rank.ts";

const here = dirname(fileURLToPath(import.meta.url));
const target = loadCheckpoint(checkpointDir("target"));
const held = await heldoutTokens(2048);
const ppl = (m: typeof target) => Math.exp(heldoutLoss(m, held));
const base = ppl(target);
console.log(
  `target: held-out perplexity ${base.toFixed(3)} on ${held.length} tokens, ${linearParamCount(target)} linear weights`,
);

// ------------------------------------------------------------- 1. ppl vs ρ
const rhos = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];
const cal = calibrate(target, await trainTokens(1024));
const curves = new Map<string, number[]>();
for (const method of FACTORIZATIONS)
  curves.set(
    method,
    factorizeModel(target, method, rhos, cal).map((m) => ppl(m)),
  );
console.log(
  table(
    ["ρ (params kept)", "rank c_attn / c_fc", ...FACTORIZATIONS],
    rhos.map((rho, i) => [
      rho.toFixed(2),
      `${rankForRatio(rho, 128, 384)} / ${rankForRatio(rho, 128, 512)}`,
      ...FACTORIZATIONS.map((m) => curves.get(m)![i].toFixed(3)),
    ]),
  ),
);
writeSvg(
  join(here, "..", "plots", "factorization.svg"),
  svgLinePlot({
    title: `Low-rank target: held-out perplexity vs parameters kept (dense: ${base.toFixed(3)})`,
    xLabel: "parameter ratio ρ = r(K + N) / KN, every linear",
    yLabel: "held-out perplexity",
    logY: true,
    series: [
      ...FACTORIZATIONS.map((m) => ({
        name: m,
        points: rhos.map((rho, i) => [rho, curves.get(m)![i]] as [number, number]),
      })),
      { name: "dense", points: rhos.map((rho) => [rho, base] as [number, number]) },
    ],
  }),
);
console.log("wrote plots/factorization.svg");

// ------------------------------------------------------------- 2. LoRC
// Lab 04's INT4 at g32 barely moves this specimen's perplexity, so LoRC is
// also tried where the error is larger: one group per column (g128) and 3 bits.
const lorcRows: (string | number)[][] = [["fp32", "-", "-", "-", base.toFixed(4)]];
for (const [bits, group] of [
  [4, 32],
  [4, 128],
  [3, 128],
] as const) {
  const q = mapLinears(target, (w, K, N) => dequantizeInt4(quantizeRtn(w, K, N, group, bits)));
  lorcRows.push([`INT${bits} RTN`, `g${group}`, 0, "0.0 %", ppl(q).toFixed(4)]);
  for (const r of [4, 16, 32]) {
    let extra = 0;
    const m = mapLinears(target, (w, K, N) => {
      extra += r * (K + N);
      return lorc(w, K, N, r, group, bits).merged;
    });
    lorcRows.push([
      `INT${bits} + LoRC`,
      `g${group}`,
      r,
      `${((100 * extra) / linearParamCount(target)).toFixed(1)} %`,
      ppl(m).toFixed(4),
    ]);
  }
}
console.log(table(["weights", "group", "rank r", "extra params", "ppl"], lorcRows));

// ------------------------------------------------------------- 3. speed
const rng = new Rng(1);
const [K, N] = [128, 512]; // c_fc
const W = rng.fill(new Float32Array(K * N));
const bias = new Float32Array(N);
const speedRows: (string | number)[][] = [];
for (const rows of [1, 128]) {
  const x = rng.fill(new Float32Array(rows * K));
  const y = new Float32Array(rows * N);
  const dense = timeIt(() => linearForward(y, x, W, bias, rows, K, N), { repeat: 200, warmup: 20 });
  for (const rho of [0.75, 0.5, 0.25]) {
    const r = rankForRatio(rho, K, N);
    const A = rng.fill(new Float32Array(K * r));
    const B = rng.fill(new Float32Array(r * N));
    const h = new Float32Array(rows * r);
    const zr = new Float32Array(r);
    const low = timeIt(
      () => {
        linearForward(h, x, A, zr, rows, K, r);
        linearForward(y, h, B, bias, rows, r, N);
      },
      { repeat: 200, warmup: 20 },
    );
    speedRows.push([
      rows,
      rho,
      r,
      `${(dense * 1000).toFixed(1)} µs`,
      `${(low * 1000).toFixed(1)} µs`,
      `${(dense / low).toFixed(2)}×`,
    ]);
    console.log(`ratio rank-${r} c_fc (ρ ${rho}), ${rows} rows: ${(dense / low).toFixed(2)}× dense speed`);
  }
}
console.log(table(["rows", "ρ", "r", "x W", "(x A) B", "speedup"], speedRows));
