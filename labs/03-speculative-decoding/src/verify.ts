// The verifier: Leviathan et al. 2023 (arXiv 2211.17192), Algorithm 1;
// Chen et al. 2023 (arXiv 2302.01318), Algorithm 2. Same algorithm, two papers.
//
// The draft proposed x_1 … x_γ, drawing x_i from q_i = q(· | prefix, x_<i).
// ONE target forward over [last, x_1 … x_γ] gave p_1 … p_{γ+1}.
//
//   for i = 1 … γ:
//     r ~ U[0, 1)
//     if r < p_i(x_i) / q_i(x_i):  accept x_i                   (probability min(1, p/q))
//     else:  emit y ~ norm(max(0, p_i − q_i)) and stop          (the residual)
//   all γ accepted:  emit a bonus token y ~ p_{γ+1}             (free: p_{γ+1} is already computed)
//
// Why the output is distributed exactly as p (the paper's Theorem 1), for one position:
//   P(emit x) = q(x)·min(1, p(x)/q(x))  +  P(reject)·residual(x)
//             = min(q(x), p(x))          +  (1 − Σ_y min(p(y), q(y))) · max(0, p(x) − q(x)) / Σ_y max(0, p(y) − q(y))
// and Σ max(0, p − q) = 1 − Σ min(p, q), so the second term is max(0, p(x) − q(x)):
//   P(emit x) = min(p, q) + max(0, p − q) = p(x).
//
// Temperature 0 is the special case: p and q are one-hot at their argmaxes, so
// p(x)/q(x) is 1 when the draft's token is the target's argmax and 0 otherwise,
// the residual is the target's one-hot, and the bonus is the target's argmax:
// "accept while the draft agrees with greedy, then take the target's choice".

import type { Rng } from "@llm-labs/tensor";
import { sampleFrom, type Probs } from "./distributions.ts";

export interface Verdict {
  accepted: number; // how many of the γ drafted tokens were kept (0 … γ)
  next: number; // the token emitted after them: a residual sample or the bonus token
}

// norm(max(0, p − q)): what the target wants that the draft over-proposed too little of.
export function residualDistribution(p: Probs, q: Probs): Probs {
  if (p.length !== q.length)
    throw new Error(`residualDistribution: p has ${p.length} entries, q has ${q.length}`);
  const r = new Float64Array(p.length);
  // #region exercise residual-distribution
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    r[i] = Math.max(0, p[i] - q[i]);
    sum += r[i];
  }
  if (sum === 0) return Float64Array.from(p);
  for (let i = 0; i < r.length; i++) r[i] /= sum;
  // #endregion
  return r;
}

// The acceptance test for one drafted token x: keep it with probability min(1, p(x)/q(x)).
// r is uniform in [0, 1), so `r < ratio` happens with probability exactly min(1, ratio),
// and a token the target gives 0 probability is never accepted.
export function acceptDraftToken(p: Probs, q: Probs, x: number, r: number): boolean {
  // #region exercise accept-test
  return r < p[x] / q[x];
  // #endregion
}

// The token emitted when all γ drafts were accepted: a draw from p_{γ+1}.
export function bonusToken(pLast: Probs, rng: Rng): number {
  // #region exercise bonus-token
  return sampleFrom(pLast, rng);
  // #endregion
}

export type Residual = (p: Probs, q: Probs) => Probs;

// One speculative step at the level of distributions: no model needed, which is
// what the statistical test in test/verify.test.ts runs 100k times.
// ps has γ+1 rows (p_1 … p_{γ+1}), qs has γ rows, drafts has γ tokens.
export function verifyDrafts(
  ps: Probs[],
  qs: Probs[],
  drafts: readonly number[],
  rng: Rng,
  residual: Residual = residualDistribution,
): Verdict {
  const gamma = drafts.length;
  if (qs.length !== gamma || ps.length !== gamma + 1) {
    throw new Error(
      `verifyDrafts: ${gamma} drafts need ${gamma} draft rows q and ${gamma + 1} target rows p, got ${qs.length} and ${ps.length}`,
    );
  }
  for (let i = 0; i < gamma; i++) {
    if (acceptDraftToken(ps[i], qs[i], drafts[i], rng.next())) continue;
    return { accepted: i, next: sampleFrom(residual(ps[i], qs[i]), rng) };
  }
  return { accepted: gamma, next: bonusToken(ps[gamma], rng) };
}

// One step end to end on toy distributions: draw x_1 … x_γ from the qs, then verify.
export function speculativeStepFromDistributions(
  ps: Probs[],
  qs: Probs[],
  rng: Rng,
  residual: Residual = residualDistribution,
): number[] {
  const drafts = qs.map((q) => sampleFrom(q, rng));
  const { accepted, next } = verifyDrafts(ps, qs, drafts, rng, residual);
  return [...drafts.slice(0, accepted), next];
}
