import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { forward, lossAndGrads, zeroGrads } from "@llm-labs/model";
import { copyModel, trainPeft } from "@llm-labs/lab-lora";
import {
  batchLoss,
  centralDifference,
  maxAbsDiff,
  tinyConfig,
  tinyModel,
} from "@llm-labs/lab-lora/test-util";
import {
  adaloraPeft,
  budgetAt,
  isMaskStep,
  maskToBudget,
  svdView,
  tripletScores,
  updateSensitivity,
  type AdaLoraSpec,
  type BudgetSchedule,
  type Sensitivity,
  type SvdEntry,
} from "../src/adalora.ts";

const ALL = ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] as const;
const spec = (over: Partial<AdaLoraSpec> = {}): AdaLoraSpec => ({
  r: 2,
  alpha: 3,
  targets: ALL,
  targetRank: 1,
  tInit: 2,
  tFinal: 3,
  totalSteps: 12,
  beta1: 0.85,
  beta2: 0.85,
  orthReg: 0.1,
  seed: 7,
  ...over,
});
const MATRICES = tinyConfig.n_layer * ALL.length; // 8

const B = 2;
const T = 5;
const rng = new Rng(3);
const ids = Array.from({ length: B * T }, () => rng.int(tinyConfig.vocab_size));
const targets = Array.from({ length: B * T }, () => rng.int(tinyConfig.vocab_size));

describe("exercise: adalora-importance", () => {
  it("two steps of the sensitivity and uncertainty EMAs, by hand", () => {
    // β₁ = 0.5, β₂ = 0.75, Ī = Ū = 0 at the start. Number 0: (w, g) = (2, −3) then (1, 2).
    //   step 1: I = |2·−3| = 6   Ī = 0.5·0 + 0.5·6 = 3       Ū = 0.75·0 + 0.25·|6 − 3| = 0.75
    //   step 2: I = |1·2| = 2    Ī = 0.5·3 + 0.5·2 = 2.5     Ū = 0.75·0.75 + 0.25·|2 − 2.5| = 0.6875
    // Number 1: (w, g) = (−1, −1) both steps, so I = 1:
    //   step 1: Ī = 0.5    Ū = 0.25·0.5 = 0.125
    //   step 2: Ī = 0.75   Ū = 0.75·0.125 + 0.25·|1 − 0.75| = 0.15625
    // (Ū uses the Ī just updated: with the old Ī step 1 would give Ū = 0.25·6 = 1.5.)
    const sens: Sensitivity = { Ibar: new Float64Array(2), Ubar: new Float64Array(2) };
    updateSensitivity(sens, [2, -1], [-3, -1], 0.5, 0.75);
    expect([...sens.Ibar]).toEqual([3, 0.5]);
    expect([...sens.Ubar]).toEqual([0.75, 0.125]);
    updateSensitivity(sens, [1, -1], [2, -1], 0.5, 0.75);
    expect([...sens.Ibar]).toEqual([2.5, 0.75]);
    expect([...sens.Ubar]).toEqual([0.6875, 0.15625]);
  });

  // Two matrices, r = 2 each. Matrix 0: IN = 2, OUT = 3, its 12 numbers are
  //   Q [2, 2] at 0…3 (row k at 2k, 2k+1), λ at 4, 5, P [3, 2] at 6…11 (P[o, k] at 6 + 2o + k).
  // Matrix 1: IN = OUT = 1: Q at 12, 13, λ at 14, 15, P at 16, 17.
  // With Ī = 2 and Ū = s/2 everywhere, the scores s = Ī·Ū are
  //   matrix 0: Q rows [2, 4] and [1, 1], λ [0.5, 5], P columns (6, 8, 10) = [3, 0, 3] and (7, 9, 11) = [0, 0, 3]
  //     S₀ = 0.5 + mean(3, 0, 3) + mean(2, 4) = 0.5 + 2 + 3 = 5.5
  //     S₁ = 5   + mean(0, 0, 3) + mean(1, 1) = 5 + 1 + 1   = 7
  //   matrix 1: Q [1, 0], λ [0, 2], P [0, 4]
  //     S₂ = 0 + 0 + 1 = 1       S₃ = 2 + 4 + 0 = 6
  const entries: SvdEntry[] = [
    { layer: 0, target: "c_attn", IN: 2, OUT: 3, r: 2, qAt: 0, lambdaAt: 4, pAt: 6 },
    { layer: 0, target: "c_fc", IN: 1, OUT: 1, r: 2, qAt: 12, lambdaAt: 14, pAt: 16 },
  ];
  const s = [2, 4, 1, 1, 0.5, 5, 3, 0, 0, 0, 3, 3, 1, 0, 0, 2, 0, 4];
  const sens: Sensitivity = {
    Ibar: new Float64Array(s.length).fill(2),
    Ubar: Float64Array.from(s, (x) => x / 2),
  };

  it("S_k = s(λ_k) + mean of P's column k + mean of Q's row k, for a hand-worked pair of matrices", () => {
    const S = tripletScores(sens, entries);
    expect(S.length).toBe(4);
    const want = [5.5, 7, 1, 6];
    for (let k = 0; k < 4; k++) expect(S[k], `S_${k}`).toBeCloseTo(want[k], 12);
  });

  it("the triplet with the largest importance survives masking, across matrices", () => {
    const S = tripletScores(sens, entries);
    const alive = new Uint8Array(4).fill(1);
    expect(maskToBudget(S, alive, 2).sort()).toEqual([0, 2]); // keeps S = 7 and 6
    expect([...alive]).toEqual([0, 1, 0, 1]);
    maskToBudget(S, alive, 1);
    expect([...alive]).toEqual([0, 1, 0, 0]); // S₁ = 7, the largest
  });

  it("while training, every cut keeps the highest-scoring live triplets", () => {
    const m = tinyModel(21, "float32");
    const peft = adaloraPeft(m, spec({ r: 3, tInit: 1, tFinal: 2, totalSteps: 8 }));
    const tokens = Array.from({ length: 9 }, (_, i) => (i * 5) % 13);
    let before = Uint8Array.from(peft.alive);
    let cuts = 0;
    trainPeft(m, peft, tokens, { seed: 1, batchSize: 1, seqLen: 8, steps: 8, lr: 3e-2, warmup: 1 }, () => {
      const S = peft.scores();
      const kept = [...peft.alive.keys()].filter((k) => peft.alive[k]);
      const cut = [...before.keys()].filter((k) => before[k] && !peft.alive[k]);
      if (cut.length > 0) cuts++;
      for (const c of cut) for (const k of kept) expect(S[k]).toBeGreaterThanOrEqual(S[c]);
      before = Uint8Array.from(peft.alive);
    });
    expect(cuts).toBeGreaterThan(2);
    expect(Math.max(...peft.scores())).toBeGreaterThan(0); // the scores are not all 0
  });
});

describe("exercise: budget-schedule", () => {
  // b⁽⁰⁾ = 48 (r = 6, 8 matrices), b⁽ᵀ⁾ = 16 (targetRank 2), tInit = 10, tFinal = 20, T = 50:
  // the budget falls over T − tInit − tFinal = 20 steps, t = 10 … 29.
  const sched: BudgetSchedule = { b0: 48, bT: 16, tInit: 10, tFinal: 20, totalSteps: 50 };
  it("full budget before tInit", () => {
    expect(budgetAt(0, sched)).toBe(48);
    expect(budgetAt(9, sched)).toBe(48);
    expect(budgetAt(10, sched)).toBe(48); // (1 − 0/20)³ = 1
  });
  it("the cubic in the middle, rounded down", () => {
    // t = 20: 1 − 10/20 = 0.5,  0.5³ = 0.125,       16 + 32·0.125 = 20
    // t = 15: 1 − 5/20 = 0.75,  0.75³ = 0.421875,   16 + 32·0.421875 = 29.5 → 29
    // t = 29: 1 − 19/20 = 0.05, 0.05³ = 0.000125,   16 + 0.004 → 16
    expect(budgetAt(20, sched)).toBe(20);
    expect(budgetAt(15, sched)).toBe(29);
    expect(budgetAt(29, sched)).toBe(16);
  });
  it("the final budget from T − tFinal on", () => {
    expect(budgetAt(30, sched)).toBe(16);
    expect(budgetAt(49, sched)).toBe(16);
  });
  it("never rises", () => {
    for (let t = 1; t < 50; t++) expect(budgetAt(t, sched)).toBeLessThanOrEqual(budgetAt(t - 1, sched));
  });
});

describe("AdaLoRA", () => {
  it("prunes every ΔT steps while the budget falls, and every step after", () => {
    const sched: BudgetSchedule = { b0: 48, bT: 16, tInit: 10, tFinal: 20, totalSteps: 50 };
    const steps = Array.from({ length: 50 }, (_, t) => t).filter((t) => isMaskStep(t, sched, 4));
    expect(steps.slice(0, 6)).toEqual([10, 14, 18, 22, 26, 30]);
    expect(steps.length).toBe(5 + 20);
  });

  it("starts at the base model (every λ = 0) with r·(IN + 1 + OUT) numbers per matrix", () => {
    const base = tinyModel(31);
    const peft = adaloraPeft(base, spec());
    const C = tinyConfig.n_embd;
    const perLayer = 2 * (C + 1 + 3 * C) + 2 * (C + 1 + C) + 2 * (C + 1 + 4 * C) + 2 * (4 * C + 1 + C);
    expect(peft.params.length).toBe(tinyConfig.n_layer * perLayer);
    expect(peft.params).toBeInstanceOf(Float64Array); // the model's dtype
    expect(peft.liveTriplets()).toBe(2 * MATRICES);
    expect(peft.schedule).toMatchObject({ b0: 16, bT: 8 });
    const eff = copyModel(base);
    peft.apply(base, eff);
    expect(maxAbsDiff(forward(eff, ids, B, T).logits, forward(base, ids, B, T).logits)).toBe(0);
    expect(Math.max(...svdView(peft.params, peft.entries[0]).Q.map(Math.abs))).toBeGreaterThan(0);
  });

  it("∂L/∂Q, ∂L/∂λ, ∂L/∂P match finite differences of the model's loss (float64)", () => {
    // Central differences at h = 1e-5 in float64 are good to ~1e-10 (see lab 05's grads test).
    const base = tinyModel(11);
    const peft = adaloraPeft(base, spec());
    const r = new Rng(8);
    for (let i = 0; i < peft.params.length; i++) peft.params[i] = r.normal(0, 0.3); // λ ≠ 0 too
    const eff = copyModel(base);
    peft.apply(base, eff);
    const g = zeroGrads(eff);
    lossAndGrads(eff, ids, targets, B, T, g);
    const d = new Float64Array(peft.params.length);
    peft.backward(base, g, d);
    const loss = () => (peft.apply(base, eff), batchLoss(eff, ids, targets, B, T));
    for (const e of peft.entries) {
      const picks = [
        ["Q[0, 0]", e.qAt],
        ["Q[1, IN − 1]", e.lambdaAt - 1],
        ["λ₀", e.lambdaAt],
        ["λ₁", e.lambdaAt + 1],
        ["P[0, 1]", e.pAt + 1],
        ["P[OUT − 1, 0]", e.pAt + (e.OUT - 1) * e.r],
      ] as const;
      for (const [what, i] of picks) {
        const numeric = centralDifference(peft.params, i, loss);
        expect(Math.abs(numeric), `${what} of layer ${e.layer} ${e.target}`).toBeGreaterThan(1e-6);
        expect(
          Math.abs(numeric - d[i]),
          `${what} of layer ${e.layer} ${e.target}: numeric ${numeric}, analytic ${d[i]}`,
        ).toBeLessThan(1e-7 + 1e-6 * Math.abs(numeric));
      }
    }
  });

  it("the orthogonality regulariser: γ·R by hand, and its gradient against finite differences", () => {
    const base = tinyModel(12);
    const peft = adaloraPeft(base, spec({ orthReg: 0.1 }));
    const n = peft.params.length;
    // P = Q = 0: every matrix has ‖−I‖² + ‖−I‖² = r + r = 4, so γ·R = 0.1 · 4 · 8 matrices = 3.2.
    peft.params.fill(0);
    expect(peft.regularize?.(new Float64Array(n))).toBeCloseTo(3.2, 12);
    // Q[k, i] = δ_ki and P[o, k] = δ_ok: orthonormal rows and columns, R = 0 whatever λ is.
    for (const e of peft.entries) {
      const { Q, lambda, P } = svdView(peft.params, e);
      for (let k = 0; k < e.r; k++) {
        Q[k * e.IN + k] = 1;
        P[k * e.r + k] = 1;
        lambda[k] = 5;
      }
    }
    expect(peft.regularize?.(new Float64Array(n))).toBeCloseTo(0, 12);

    const r = new Rng(9);
    for (let i = 0; i < n; i++) peft.params[i] = r.normal(0, 0.4);
    const d = new Float64Array(n);
    const value = peft.regularize?.(d) ?? Number.NaN;
    expect(value).toBeGreaterThan(0);
    const R = () => peft.regularize?.(new Float64Array(n)) ?? Number.NaN;
    for (const e of peft.entries.slice(0, 4)) {
      for (const i of [e.qAt, e.qAt + 5, e.lambdaAt - 1, e.pAt, e.pAt + 3, e.pAt + e.OUT * e.r - 1]) {
        const numeric = centralDifference(peft.params, i, R);
        expect(Math.abs(numeric)).toBeGreaterThan(1e-4);
        expect(Math.abs(numeric - d[i]), `index ${i}: numeric ${numeric}, analytic ${d[i]}`).toBeLessThan(
          1e-7 + 1e-6 * Math.abs(numeric),
        );
      }
      expect(d[e.lambdaAt]).toBe(0); // R does not involve λ
    }
  });

  it("a short run: the budget falls on schedule to targetRank × matrices, pruned λ stay exactly 0", () => {
    const m = tinyModel(21, "float32");
    const s = spec({ r: 3, targetRank: 1, tInit: 2, tFinal: 3, totalSteps: 12 });
    const peft = adaloraPeft(m, s);
    const tokens = Array.from({ length: 9 }, (_, i) => (i * 5) % 13);
    const live: number[] = [];
    let nonzeroBeforeCut = 0;
    let lambdas = Float32Array.from(peft.params);
    trainPeft(m, peft, tokens, { seed: 1, batchSize: 1, seqLen: 8, steps: 12, lr: 3e-2, warmup: 1 }, () => {
      live.push(peft.liveTriplets());
      peft.entries.forEach((e, j) => {
        for (let k = 0; k < e.r; k++) {
          const at = e.lambdaAt + k;
          if (peft.alive[j * e.r + k]) continue;
          expect(peft.params[at]).toBe(0);
          if (lambdas[at] !== 0) nonzeroBeforeCut++; // it had moved, and the cut put it to 0
        }
      });
      lambdas = Float32Array.from(peft.params);
    });
    const want = Array.from({ length: 12 }, (_, t) => budgetAt(t, peft.schedule));
    expect(want.slice(0, 2)).toEqual([24, 24]);
    expect(want.at(-1)).toBe(8);
    expect(live).toEqual(want);
    expect(peft.budget()).toBe(8);
    expect(nonzeroBeforeCut).toBe(24 - 8);
    let ranks = 0;
    for (let l = 0; l < tinyConfig.n_layer; l++) for (const t of ALL) ranks += peft.rankOf(l, t);
    expect(ranks).toBe(8);

    // The dead triplets are really out of the model: a dead λ gets no gradient.
    const eff = copyModel(m);
    peft.apply(m, eff);
    const g = zeroGrads(eff);
    lossAndGrads(eff, tokens.slice(0, 8), tokens.slice(1), 1, 8, g);
    const d = new Float32Array(peft.params.length);
    peft.backward(m, g, d);
    peft.entries.forEach((e, j) => {
      for (let k = 0; k < e.r; k++) if (!peft.alive[j * e.r + k]) expect(d[e.lambdaAt + k]).toBe(0);
    });
  });

  it("refuses a schedule whose budget would never fall", () => {
    const m = tinyModel(1);
    expect(() => adaloraPeft(m, spec({ tInit: 6, tFinal: 6, totalSteps: 12 }))).toThrow(
      /less than totalSteps/,
    );
    expect(() => adaloraPeft(m, spec({ targetRank: 3 }))).toThrow(/targetRank/);
  });
});
