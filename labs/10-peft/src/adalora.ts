// AdaLoRA (Zhang et al. 2023, "Adaptive Budget Allocation for Parameter-Efficient
// Fine-Tuning"): LoRA gives every matrix the same rank r, but some matrices need
// more than others. AdaLoRA starts every matrix at rank r, scores each rank-one
// piece by how much the loss depends on it, and prunes the least important
// pieces across the WHOLE model until only a budget of them is left.
//
// To prune a piece cleanly the update is written in SVD form (§3.1):
//
//   ΔW = P·Λ·Q        P ∈ ℝ^{OUT×r} (left vectors), Λ = diag(λ₁ … λ_r), Q ∈ ℝ^{r×IN} (right)
//
// so triplet k = (P[:, k], λ_k, Q[k, :]) is one rank-one term, and pruning it is
// just λ_k ← 0: P and Q keep their shapes and training never restarts. In our
// Conv1D layout (W stored [IN, OUT]) with scale s:
//
//   W_eff[i, o] = W₀[i, o] + s · Σ_k Q[k, i] · λ_k · P[o, k]
//
// Q plays LoRA's A [r, IN] and P·Λ plays LoRA's B [OUT, r] (Hugging Face PEFT
// calls them lora_A, lora_E, lora_B), so lab 05's merge and gradients do the
// heavy lifting. We keep s = α/r with r the INITIAL rank, fixed for the whole
// run: PEFT divides by its `ranknum`, which it also fills with the initial r (it
// changes only when a trained model is resized to its final ranks), so a pruned
// triplet takes its contribution away without rescaling the live ones.
//
// Nothing forces P and Q to stay singular vectors, so a regulariser pulls them
// towards orthonormal (§3.1): R(P, Q) = ‖PᵀP − I‖²_F + ‖QQᵀ − I‖²_F. Without it
// a "pruned" triplet could be one whose work was shared with the others, and
// removing it would hurt more than its score said.

import { UserError } from "@llm-labs/kit";
import { Rng, type Floats } from "@llm-labs/tensor";
import { linearShape, type GPT } from "@llm-labs/model";
import {
  TARGETS,
  addLoraDelta,
  checkRankAlpha,
  loraGradsFromWeightGrad,
  type LoraWeights,
  type Peft,
  type Target,
} from "@llm-labs/lab-lora";

export interface AdaLoraSpec {
  r: number; // initial rank of every adapted matrix
  alpha: number; // s = α/r
  targets: readonly Target[];
  targetRank: number; // average final rank per matrix: the final budget is targetRank × matrices
  tInit: number; // steps at full rank before pruning starts
  tFinal: number; // steps at the final budget after pruning ends
  totalSteps: number; // T
  deltaT?: number; // prune every ΔT steps while the budget falls (default 1)
  beta1: number; // EMA of the sensitivity (paper: 0.85)
  beta2: number; // EMA of the uncertainty (paper: 0.85)
  orthReg: number; // γ, the weight of R(P, Q) (PEFT's orth_reg_weight; 0.1 is a usual value)
  seed: number;
}

// One adapted matrix: where its Q [r, IN], λ [r] and P [OUT, r] sit in the flat params.
export interface SvdEntry {
  layer: number;
  target: Target;
  IN: number;
  OUT: number;
  r: number;
  qAt: number; // Q[k, i] is at qAt + k·IN + i
  lambdaAt: number; // λ_k is at lambdaAt + k
  pAt: number; // P[o, k] is at pAt + o·r + k
}

export const svdView = (flat: Floats, e: SvdEntry): { Q: Floats; lambda: Floats; P: Floats } => ({
  Q: flat.subarray(e.qAt, e.qAt + e.r * e.IN),
  lambda: flat.subarray(e.lambdaAt, e.lambdaAt + e.r),
  P: flat.subarray(e.pAt, e.pAt + e.OUT * e.r),
});

// ---------------------------------------------------------------------------
// The budget schedule (§3.3): b(t) triplets may be alive after step t.
// Full rank for tInit steps (so the scores have something to average), then a
// cubic fall (fast at first, when the least important triplets are obviously
// useless, slow near the end), then tFinal steps at the final budget, so the
// survivors can settle after the last cut:
//
//   b(t) = b⁽⁰⁾                                          t < tInit
//        = b⁽ᵀ⁾ + (b⁽⁰⁾ − b⁽ᵀ⁾)·(1 − (t − tInit)/(T − tInit − tFinal))³   tInit ≤ t < T − tFinal
//        = b⁽ᵀ⁾                                          t ≥ T − tFinal
//
// Rounded down, as PEFT's int(…) does: the budget never rises above the curve.

export interface BudgetSchedule {
  b0: number; // r × matrices
  bT: number; // targetRank × matrices
  tInit: number;
  tFinal: number;
  totalSteps: number;
}

export function budgetAt(t: number, schedule: BudgetSchedule): number {
  // #region exercise budget-schedule
  const { b0, bT, tInit, tFinal, totalSteps } = schedule;
  if (t < tInit) return b0;
  const fallEnds = totalSteps - tFinal;
  if (t >= fallEnds) return bT;
  const remaining = 1 - (t - tInit) / (fallEnds - tInit);
  return Math.floor(bT + (b0 - bT) * remaining ** 3);
  // #endregion
}

// Prune after step t? Every ΔT steps while the budget falls, and on every step
// of the final phase (a no-op once the final budget is reached).
export function isMaskStep(t: number, schedule: BudgetSchedule, deltaT = 1): boolean {
  if (t < schedule.tInit) return false;
  if (t >= schedule.totalSteps - schedule.tFinal) return true;
  return (t - schedule.tInit) % deltaT === 0;
}

// ---------------------------------------------------------------------------
// Importance (§3.2). The sensitivity of one trainable number w is how much the
// loss would change if w were set to zero, to first order:
//
//   I(w) = |w · ∂L/∂w|
//
// One mini-batch gives a noisy I, so AdaLoRA smooths it and also tracks how much
// it jumps around, both as exponential moving averages from 0:
//
//   Ī ← β₁·Ī + (1 − β₁)·I                 (smoothed sensitivity)
//   Ū ← β₂·Ū + (1 − β₂)·|I − Ī|           (uncertainty, with the Ī just updated)
//
// and scores the number s(w) = Ī·Ū: important AND not yet settled.
// A triplet's importance adds its singular value's score to the mean score of
// its left and right vectors:
//
//   S_k = s(λ_k) + (1/OUT)·Σ_o s(P[o, k]) + (1/IN)·Σ_i s(Q[k, i])

export interface Sensitivity {
  Ibar: Float64Array; // Ī, one per trainable number, indexed like params
  Ubar: Float64Array; // Ū
}

// One step of both EMAs for every trainable number: w after the step, g = the gradient it used.
export function updateSensitivity(
  sens: Sensitivity,
  w: ArrayLike<number>,
  g: ArrayLike<number>,
  beta1: number,
  beta2: number,
): void {
  // #region exercise adalora-importance
  for (let n = 0; n < w.length; n++) {
    const I = Math.abs(w[n] * g[n]);
    sens.Ibar[n] = beta1 * sens.Ibar[n] + (1 - beta1) * I;
    sens.Ubar[n] = beta2 * sens.Ubar[n] + (1 - beta2) * Math.abs(I - sens.Ibar[n]);
  }
  // #endregion
}

// S_k of every triplet, matrix after matrix: [Σ r]; triplet k of entries[m] is at m·r + k.
export function tripletScores(sens: Sensitivity, entries: readonly SvdEntry[]): Float64Array {
  // #region exercise adalora-importance
  const S = new Float64Array(entries.reduce((n, e) => n + e.r, 0));
  const score = (n: number) => sens.Ibar[n] * sens.Ubar[n];
  let t = 0;
  for (const e of entries)
    for (let k = 0; k < e.r; k++, t++) {
      let rowOfQ = 0;
      for (let i = 0; i < e.IN; i++) rowOfQ += score(e.qAt + k * e.IN + i);
      let columnOfP = 0;
      for (let o = 0; o < e.OUT; o++) columnOfP += score(e.pAt + o * e.r + k);
      S[t] = score(e.lambdaAt + k) + columnOfP / e.OUT + rowOfQ / e.IN;
    }
  return S;
  // #endregion
}

// Keeps the `budget` live triplets with the largest S (§3.2: λ_k stays if S_k is
// in the top b(t)) and marks the others dead in `alive`; returns the newly dead.
// Ties go to the lower index, so the same scores always prune the same triplets.
// Pruning is final here: the paper and PEFT re-rank every triplet at each cut
// (a masked λ can come back, its P and Q still being trained), we never revive
// one, so the live rank only falls and a dead λ is exactly 0 from then on.
export function maskToBudget(S: ArrayLike<number>, alive: Uint8Array, budget: number): number[] {
  const live: number[] = [];
  for (let k = 0; k < alive.length; k++) if (alive[k]) live.push(k);
  if (live.length <= budget) return [];
  live.sort((a, b) => S[b] - S[a] || a - b);
  const dead = live.slice(Math.max(0, budget));
  for (const k of dead) alive[k] = 0;
  return dead;
}

// ---------------------------------------------------------------------------
// The Peft: θ = every Q, λ, P, one flat array in the model's dtype.

export interface AdaLora extends Peft {
  spec: AdaLoraSpec;
  entries: readonly SvdEntry[];
  schedule: BudgetSchedule;
  alive: Uint8Array; // [Σ r], 1 while a triplet is kept (read it, do not write it)
  sensitivity: Sensitivity;
  scores(): Float64Array; // S of every triplet now
  rankOf(layer: number, target: Target): number; // live triplets of one matrix
  liveTriplets(): number;
  budget(): number; // b(t) of the last step taken (b⁽⁰⁾ before any)
}

function checkSpec(spec: AdaLoraSpec): void {
  checkRankAlpha(spec.r, spec.alpha, "AdaLoRA");
  if (spec.targets.length === 0)
    throw new UserError(`AdaLoRA: targets is empty; pick from ${TARGETS.join(", ")}`);
  for (const t of spec.targets)
    if (!TARGETS.includes(t))
      throw new UserError(`AdaLoRA: unknown target "${t}"; the specimen's linears are ${TARGETS.join(", ")}`);
  if (!Number.isInteger(spec.targetRank) || spec.targetRank < 1 || spec.targetRank > spec.r)
    throw new UserError(
      `AdaLoRA: targetRank must be a whole number in 1 … r = ${spec.r}, got ${spec.targetRank}`,
    );
  const steps = [spec.tInit, spec.tFinal, spec.totalSteps, spec.deltaT ?? 1];
  if (!steps.every((n) => Number.isInteger(n) && n >= 0) || (spec.deltaT ?? 1) < 1)
    throw new UserError("AdaLoRA: tInit, tFinal, totalSteps must be whole numbers ≥ 0 and deltaT ≥ 1");
  if (spec.tInit + spec.tFinal >= spec.totalSteps)
    throw new UserError(
      `AdaLoRA: tInit + tFinal (${spec.tInit} + ${spec.tFinal}) must be less than totalSteps (${spec.totalSteps}), or the budget never falls`,
    );
  for (const [name, b] of [
    ["beta1", spec.beta1],
    ["beta2", spec.beta2],
  ] as const)
    if (!(b > 0 && b < 1)) throw new UserError(`AdaLoRA: ${name} must be in (0, 1), got ${b}`);
  if (!(spec.orthReg >= 0)) throw new UserError(`AdaLoRA: orthReg must be ≥ 0, got ${spec.orthReg}`);
}

export function adaloraPeft(model: GPT, spec: AdaLoraSpec): AdaLora {
  checkSpec(spec);
  const { r, alpha } = spec;
  const entries: SvdEntry[] = [];
  let n = 0;
  for (let layer = 0; layer < model.config.n_layer; layer++)
    for (const target of spec.targets) {
      const [IN, OUT] = linearShape(model, target);
      entries.push({ layer, target, IN, OUT, r, qAt: n, lambdaAt: n + r * IN, pAt: n + r * IN + r });
      n += r * (IN + 1 + OUT);
    }
  const F64 = model.params.flat instanceof Float64Array;
  const alloc = (m: number): Floats => (F64 ? new Float64Array(m) : new Float32Array(m));
  // PEFT's init: λ = 0, so training starts exactly at the base; P and Q ~ N(0, 0.02²).
  const params = alloc(n);
  const rng = new Rng(spec.seed);
  for (const e of entries) {
    const { Q, P } = svdView(params, e);
    for (let i = 0; i < Q.length; i++) Q[i] = rng.normal(0, 0.02);
    for (let i = 0; i < P.length; i++) P[i] = rng.normal(0, 0.02);
  }
  const schedule: BudgetSchedule = {
    b0: r * entries.length,
    bT: spec.targetRank * entries.length,
    tInit: spec.tInit,
    tFinal: spec.tFinal,
    totalSteps: spec.totalSteps,
  };
  const alive = new Uint8Array(schedule.b0).fill(1);
  const sensitivity: Sensitivity = { Ibar: new Float64Array(n), Ubar: new Float64Array(n) };
  let budget = schedule.b0;

  // With B = P·Λ ([OUT, r], B[o, k] = P[o, k]·λ_k) the update is a LoRA update.
  const asLora = (e: SvdEntry): LoraWeights => {
    const { Q, lambda, P } = svdView(params, e);
    const B = alloc(e.OUT * r);
    for (let o = 0; o < e.OUT; o++) for (let k = 0; k < r; k++) B[o * r + k] = P[o * r + k] * lambda[k];
    return { IN: e.IN, OUT: e.OUT, r, alpha, A: Q, B };
  };
  const zeroDeadLambdas = () => {
    entries.forEach((e, m) => {
      for (let k = 0; k < r; k++) if (!alive[m * r + k]) params[e.lambdaAt + k] = 0;
    });
  };

  return {
    name: `AdaLoRA r=${r}→${spec.targetRank}`,
    params,
    spec,
    entries,
    schedule,
    alive,
    sensitivity,

    // W_eff = W₀ + s·Qᵀ·(P·Λ)ᵀ, lab 05's merge with A = Q, B = P·Λ.
    apply(base, eff) {
      for (const e of entries) {
        const W = eff.params.h[e.layer][e.target].weight;
        W.set(base.params.h[e.layer][e.target].weight);
        addLoraDelta(W, asLora(e), 1);
      }
    },

    // From G = ∂L/∂W_eff [IN, OUT], with (G·P)[i, k] = Σ_o G[i, o]·P[o, k]:
    //
    //   ∂L/∂Q[k, i] = s · λ_k · (G·P)[i, k]
    //   ∂L/∂λ_k     = s · Σ_i Σ_o Q[k, i] · G[i, o] · P[o, k]
    //   ∂L/∂P[o, k] = s · λ_k · (Q·G)[k, o]
    //
    // Lab 05 gives dQ (its dA) and dB = s·(Q·G)ᵀ; one more step of the chain rule
    // through B[o, k] = P[o, k]·λ_k gives dP[o, k] = λ_k·dB[o, k] and
    // dλ_k = Σ_o P[o, k]·dB[o, k]. A dead triplet gets no dλ (its λ is held at 0,
    // so its true gradient would only feed the optimizer's momentum), and its dP,
    // dQ are 0 by the formulas, λ_k being 0.
    backward(_base, grads, dparams) {
      entries.forEach((e, m) => {
        const { lambda, P } = svdView(params, e);
        const d = svdView(dparams, e);
        const dB = alloc(e.OUT * r);
        loraGradsFromWeightGrad(grads.h[e.layer][e.target].weight, asLora(e), d.Q, dB);
        for (let k = 0; k < r; k++) {
          let dl = 0;
          for (let o = 0; o < e.OUT; o++) {
            dl += P[o * r + k] * dB[o * r + k];
            d.P[o * r + k] += lambda[k] * dB[o * r + k];
          }
          if (alive[m * r + k]) d.lambda[k] += dl;
        }
      });
    },

    // γ·R with R = Σ_matrices ‖PᵀP − I‖²_F + ‖QQᵀ − I‖²_F (§3.1, squared as the
    // paper writes it; PEFT takes the plain norm and averages over matrices).
    // With M = PᵀP − I and N = QQᵀ − I, both symmetric [r, r]:
    //
    //   ∂‖M‖²/∂P = 4·P·M   [OUT, r]        ∂‖N‖²/∂Q = 4·N·Q   [r, IN]
    //
    // Over all r columns and rows, dead triplets too, as in the paper and PEFT:
    // R is a property of the whole P and Q, and a dead pair costs r² numbers.
    regularize(dparams) {
      const g = spec.orthReg;
      let R = 0;
      for (const e of entries) {
        const { Q, P } = svdView(params, e);
        const d = svdView(dparams, e);
        const M = new Float64Array(r * r); // PᵀP − I
        const N = new Float64Array(r * r); // QQᵀ − I
        for (let a = 0; a < r; a++)
          for (let b = 0; b < r; b++) {
            let pp = a === b ? -1 : 0;
            for (let o = 0; o < e.OUT; o++) pp += P[o * r + a] * P[o * r + b];
            let qq = a === b ? -1 : 0;
            for (let i = 0; i < e.IN; i++) qq += Q[a * e.IN + i] * Q[b * e.IN + i];
            M[a * r + b] = pp;
            N[a * r + b] = qq;
            R += pp * pp + qq * qq;
          }
        for (let o = 0; o < e.OUT; o++)
          for (let b = 0; b < r; b++) {
            let pm = 0;
            for (let a = 0; a < r; a++) pm += P[o * r + a] * M[a * r + b];
            d.P[o * r + b] += 4 * g * pm;
          }
        for (let a = 0; a < r; a++)
          for (let i = 0; i < e.IN; i++) {
            let nq = 0;
            for (let b = 0; b < r; b++) nq += N[a * r + b] * Q[b * e.IN + i];
            d.Q[a * e.IN + i] += 4 * g * nq;
          }
      }
      return g * R;
    },

    // After the optimizer step of step t (0-based) with the gradient it used
    // (clipped, regulariser included, as PEFT reads p.grad after the step):
    // update the scores while the budget can still change, put dead λ back to 0
    // (the optimizer's momentum moves them even with no gradient), and prune to
    // b(t) when the schedule says.
    afterStep(t, dparams) {
      const fallEnds = schedule.totalSteps - schedule.tFinal;
      if (t < fallEnds) updateSensitivity(sensitivity, params, dparams, spec.beta1, spec.beta2);
      budget = budgetAt(t, schedule);
      if (isMaskStep(t, schedule, spec.deltaT))
        maskToBudget(tripletScores(sensitivity, entries), alive, budget);
      zeroDeadLambdas();
    },

    scores: () => tripletScores(sensitivity, entries),
    rankOf(layer, target) {
      const m = entries.findIndex((e) => e.layer === layer && e.target === target);
      if (m < 0) throw new UserError(`AdaLoRA: layer ${layer} ${target} is not adapted`);
      let live = 0;
      for (let k = 0; k < r; k++) live += alive[m * r + k];
      return live;
    },
    liveTriplets: () => alive.reduce((a, b) => a + b, 0),
    budget: () => budget,
  };
}
