// npm run lab distillation
//
// The lab's story in one run (about 10 seconds): which KL is which, on two
// tokens; what each divergence makes a too-simple student do; the committed
// students against the draft they started from, as the target's drafter; then
// one layer of the target made low-rank three ways, and INT3's error patched by LoRC.
// The full tables (every student's wall-clock speedup, perplexity against the
// parameter ratio) come from the two benches; their numbers are in the README.

import {
  acceptanceRate,
  ModelDrafter,
  OrtLM,
  speculativeGenerate,
  tokensPerStep,
  type SpeculativeStats,
} from "@llm-labs/lab-speculative-decoding";
import { dequantizeInt4, quantizeRtn } from "@llm-labs/lab-quantization";
import { table } from "@llm-labs/kit";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import {
  calibrationInputs,
  checkpointDir,
  heldoutLoss,
  heldoutTokens,
  loadCheckpoint,
  trainTokens,
  type GPT,
} from "@llm-labs/model";
import { activationScales, asvd } from "./asvd.ts";
import { DistillConfigSchema, scoredPositions } from "./distill.ts";
import { forwardKl, reverseKl } from "./divergences.ts";
import { lowRank, product, rankForRatio, frobenius2 } from "./low-rank.ts";
import { lorc } from "./lorc.ts";
import { agreement, ortStudent } from "./measure.ts";
import { hasStudent, loadDraft, loadStudent, STUDENT_BUDGET, STUDENTS } from "./students.ts";
import { svdLlm, whitening } from "./svd-llm.ts";
import { svd } from "./svd.ts";
import { Teacher } from "./teacher.ts";
import { fitBump } from "./toy.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const t00 = performance.now();

// ------------------------------------------------------------------ 1. directions
heading("1. Which KL is which: teacher p = [0.5, 0.5], student q = [0.9, 0.1]");
const g = new Float64Array(2);
const fwd = forwardKl([0, 0], [Math.log(9), 0], g);
const rev = reverseKl([0, 0], [Math.log(9), 0], g);
console.log(`forward KL(p ‖ q) = Σ p log p/q = ${fwd.toFixed(4)}   (the expectation under the teacher)`);
console.log(`reverse KL(q ‖ p) = Σ q log q/p = ${rev.toFixed(4)}   (the expectation under the student)`);

// ------------------------------------------------------------------ 2. toy
heading("2. A one-bump student fitted to a two-mode teacher (24 tokens, modes at 6 and 17)");
const mass = (q: Float64Array, lo: number, hi: number) => q.slice(lo, hi + 1).reduce((a, b) => a + b, 0);
const toyRows = (["forward KL", "reverse KL", "JSD(0.5)", "JSD(0.9)"] as const).map((d) => {
  const f = fitBump(d);
  return [
    d,
    f.mu.toFixed(2),
    f.sigma.toFixed(2),
    mass(f.q, 3, 9).toFixed(3),
    mass(f.q, 10, 13).toFixed(3),
    mass(f.q, 14, 20).toFixed(3),
  ];
});
console.log(
  table(["fitted with", "μ", "σ", "mass on mode 1 (3–9)", "valley (10–13)", "mode 2 (14–20)"], toyRows),
);
console.log("(the teacher: 0.5 on each mode, 0.005 in the valley)");

// ------------------------------------------------------------------ 3. students
heading("3. The students as the target's drafter (greedy, γ = 4, ONNX Runtime on both sides)");
const held = await heldoutTokens(4096);
const teacher = await Teacher.load();
const target = await OrtLM.named("target");
const prompts = [0, 1, 2].map((i) => held.slice(2048 + i * 500, 2048 + i * 500 + 32));
const rows: (string | number)[][] = [];
// Positions each student's loss was scored on in its 150 steps: on-policy rows
// score only the tokens the student wrote (distill.ts).
const positions = (method: (typeof STUDENTS)[number]["method"]) =>
  scoredPositions(DistillConfigSchema.parse({ ...STUDENT_BUDGET, method })).toLocaleString("en");
const candidates: [string, string, string, GPT][] = [
  ["draft", "-", "the draft, as lab 08 trained it", loadDraft()],
  ...STUDENTS.filter((s) => hasStudent(s.name)).map((s): [string, string, string, GPT] => [
    s.name,
    positions(s.method),
    s.note,
    loadStudent(s.name),
  ]),
];
for (const [name, scored, note, model] of candidates) {
  const a = await agreement(model, teacher, held.slice(0, 1024));
  const lm = await ortStudent(model);
  const total: SpeculativeStats = {
    steps: 0,
    drafted: 0,
    accepted: 0,
    examined: 0,
    emitted: 0,
    draftForwards: 0,
  };
  for (const ids of prompts) {
    const { stats } = await speculativeGenerate(target, new ModelDrafter(lm), ids, {
      maxNewTokens: 96,
      gamma: 4,
      temperature: 0,
    });
    for (const k of Object.keys(total) as (keyof SpeculativeStats)[]) total[k] += stats[k];
  }
  await lm.runner.release();
  rows.push([
    name,
    Math.exp(heldoutLoss(model, held.slice(0, 1024))).toFixed(3),
    a.top1.toFixed(3),
    acceptanceRate(total).toFixed(3),
    tokensPerStep(total).toFixed(2),
    scored,
    note,
  ]);
}
console.log(
  table(
    [
      "student",
      "held-out ppl",
      "top-1 agreement",
      "α̂",
      "tokens / target call",
      "positions scored",
      "how it was taught",
    ],
    rows,
  ),
);
console.log(
  "(the target's own perplexity on these tokens: about 1.8; wall-clock speedups: bench/students.bench.ts)",
);
await teacher.release();
await target.runner.release();

// ------------------------------------------------------------------ 4. low rank
heading("4. One layer of the target at half its parameters: block 1's c_fc [128, 512], r = 51");
const tgt = loadCheckpoint(checkpointDir("target"));
const w = Float32Array.from(tgt.params.h[1].c_fc.weight);
const [K, N] = [128, 512];
const spectrum = svd(w, K, N).S;
// The same layer's singular values from ml-matrix (Golub–Kahan), for comparison.
const libSigma = new SingularValueDecomposition(
  new Matrix(Array.from({ length: K }, (_, k) => Array.from(w.subarray(k * N, (k + 1) * N)))),
  { autoTranspose: true },
).diagonal;
const sigmaGap = spectrum.reduce((m, x, i) => Math.max(m, Math.abs(x - libSigma[i])), 0);
const energy = (r: number) =>
  spectrum.slice(0, r).reduce((s, x) => s + x * x, 0) / spectrum.reduce((s, x) => s + x * x, 0);
console.log(
  `σ_1 = ${spectrum[0].toFixed(2)}, σ_51 = ${spectrum[50].toFixed(2)}, σ_128 = ${spectrum[127].toFixed(3)}; the first 51 keep ${(100 * energy(51)).toFixed(1)} % of ‖W‖²`,
);
console.log(
  `our Jacobi SVD against ml-matrix's on this layer: max |σ_ours − σ_ml-matrix| = ${sigmaGap.toExponential(1)} (${(sigmaGap / spectrum[0]).toExponential(1)} of σ_1)`,
);
const calib = calibrationInputs(tgt, await trainTokens(512)).get("1.c_fc")!; // fit on train text
const test = calibrationInputs(tgt, held.slice(0, 512)).get("1.c_fc")!; // judge on held-out text
const r = rankForRatio(0.5, K, N);
const outErr = (w2: ArrayLike<number>) => {
  const d = new Float64Array(test.T * N);
  for (let t = 0; t < test.T; t++)
    for (let k = 0; k < K; k++) {
      const x = test.x[t * K + k];
      if (x !== 0) for (let n = 0; n < N; n++) d[t * N + n] += x * (w[k * N + n] - w2[k * N + n]);
    }
  return frobenius2(d);
};
let ref = 0;
for (let t = 0; t < test.T; t++)
  for (let n = 0; n < N; n++) {
    let y = 0;
    for (let k = 0; k < K; k++) y += test.x[t * K + k] * w[k * N + n];
    ref += y * y;
  }
const lrRows = [
  ["truncated SVD", product(lowRank(w, K, N, r))],
  ["ASVD", product(asvd(w, K, N, r, activationScales(calib.x, calib.T, K)))],
  ["SVD-LLM", product(svdLlm(w, K, N, r, whitening(calib.x, calib.T, K)))],
].map(([name, w2]) => [name as string, `${((100 * outErr(w2 as Float64Array)) / ref).toFixed(2)} %`]);
console.log(table(["method", "‖X W − X W_r‖² / ‖X W‖² on held-out X"], lrRows));

// ------------------------------------------------------------------ 5. LoRC
heading("5. LoRC: INT3 (g128) on the same layer, and a rank-r patch over its error");
const wq = dequantizeInt4(quantizeRtn(w, K, N, 128, 3));
const e0 = frobenius2(w.map((x, i) => x - wq[i]));
const lorcRows: (string | number)[][] = [["INT3 alone", 0, "0", "100.0 %"]];
for (const rr of [8, 32, 64]) {
  const m = lorc(w, K, N, rr, 128, 3).merged;
  lorcRows.push([
    "INT3 + LoRC",
    rr,
    (rr * (K + N)).toLocaleString("en"),
    `${((100 * frobenius2(w.map((x, i) => x - m[i]))) / e0).toFixed(1)} %`,
  ]);
}
console.log(table(["weights", "rank", "extra floats", "‖W − Ŵ‖² left"], lorcRows));
console.log(
  "(the error of round-to-nearest is close to noise: its spectrum is flat, so a rank-r patch removes about r/128 of it)",
);
console.log(`\ndone in ${((performance.now() - t00) / 1000).toFixed(1)} s`);
