import { describe, expect, it } from "vitest";
import { centralDifference, Rng } from "@llm-labs/tensor";
import { clippedPolicyLoss, clippedValueLoss, gae, klPenalizedRewards, whiten } from "../src/ppo.ts";

const X = 100; // a loud number at positions that must be skipped: it shows up if they are read

// Two rows, T = 6, laid out as packBatch lays them (· = target −1, skipped):
//   row 0: prompt 2, length 5 → completion positions t = 1, 2, 3      (0 is prompt, 4, 5 pad)
//   row 1: prompt 3, length 5 → completion positions t = 2, 3          (0, 1 prompt, 4, 5 pad)
const B = 2;
const T = 6;
const targets = Int32Array.from([-1, 7, 7, 7, -1, -1, -1, -1, 7, 7, -1, -1]);
const rewards = [X, -0.1, 0, 1, X, X, X, X, 0, -1, X, X];
const values = [X, 0.5, 0.4, 0.8, X, X, X, X, -0.5, -0.6, X, X];

// Central differences of f at x[i], in float64 (h = 1e-6).
const numericGrad = (x: Float64Array, i: number, f: () => number) => centralDifference(x, i, f, 1e-6);

describe("exercise: gae", () => {
  it("γ = 1, λ = 0.95 by hand, skipping the prompt and the padding", () => {
    // Right to left, V after the last completion token = 0, γλ = 0.95:
    // row 0 (t = 3, 2, 1):
    //   t = 3: δ = 1 + 0 − 0.8 = 0.2              A = 0.2                   R = 0.2 + 0.8 = 1
    //   t = 2: δ = 0 + 0.8 − 0.4 = 0.4            A = 0.4 + 0.95·0.2 = 0.59 R = 0.99
    //   t = 1: δ = −0.1 + 0.4 − 0.5 = −0.2        A = −0.2 + 0.95·0.59 = 0.3605   R = 0.8605
    // row 1 (t = 3, 2):
    //   t = 3: δ = −1 + 0 + 0.6 = −0.4            A = −0.4                  R = −1
    //   t = 2: δ = 0 − 0.6 + 0.5 = −0.1           A = −0.1 − 0.95·0.4 = −0.48     R = −0.98
    // The X = 100 at t = 4 must not be V_{t+1} of t = 3, nor the prompt's X a step.
    const { advantages, returns } = gae(rewards, values, targets, B, T, 1, 0.95);
    const wantA = [0, 0.3605, 0.59, 0.2, 0, 0, 0, 0, -0.48, -0.4, 0, 0];
    const wantR = [0, 0.8605, 0.99, 1, 0, 0, 0, 0, -0.98, -1, 0, 0];
    for (let i = 0; i < B * T; i++) {
      expect(advantages[i], `A at ${i}`).toBeCloseTo(wantA[i], 12);
      expect(returns[i], `R at ${i}`).toBeCloseTo(wantR[i], 12);
    }
  });

  it("γ = 0.9, λ = 0.8 by hand: γ discounts V_{t+1} in δ, γλ discounts A_{t+1}", () => {
    // row 0, γλ = 0.72:
    //   t = 3: δ = 1 + 0.9·0 − 0.8 = 0.2          A = 0.2                       R = 1
    //   t = 2: δ = 0 + 0.9·0.8 − 0.4 = 0.32       A = 0.32 + 0.72·0.2 = 0.464   R = 0.864
    //   t = 1: δ = −0.1 + 0.9·0.4 − 0.5 = −0.24   A = −0.24 + 0.72·0.464 = 0.09408   R = 0.59408
    // row 1:
    //   t = 3: δ = −1 + 0 + 0.6 = −0.4            A = −0.4                      R = −1
    //   t = 2: δ = 0 + 0.9·(−0.6) + 0.5 = −0.04   A = −0.04 + 0.72·(−0.4) = −0.328   R = −0.828
    const { advantages, returns } = gae(rewards, values, targets, B, T, 0.9, 0.8);
    const at = [1, 2, 3, 8, 9];
    const wantA = [0.09408, 0.464, 0.2, -0.328, -0.4];
    const wantR = [0.59408, 0.864, 1, -0.828, -1];
    at.forEach((i, k) => {
      expect(advantages[i], `A at ${i}`).toBeCloseTo(wantA[k], 12);
      expect(returns[i], `R at ${i}`).toBeCloseTo(wantR[k], 12);
    });
  });

  it("λ = 1, γ = 1 is the return minus the value: A_t = Σ_{k≥t} r_k − V_t", () => {
    // Random rewards and values on a batch with ragged rows; the return-to-go is summed left
    // to right here, so the check does not share GAE's recursion.
    const rng = new Rng(11);
    const b = 3;
    const t = 7;
    const tg = new Int32Array(b * t).fill(-1);
    const spans = [
      [1, 6],
      [3, 5],
      [0, 7],
    ]; // [first, end) completion positions of each row
    spans.forEach(([s, e], row) => tg.fill(5, row * t + s, row * t + e));
    const r = Float64Array.from({ length: b * t }, () => rng.normal());
    const v = Float64Array.from({ length: b * t }, () => rng.normal());
    const { advantages, returns } = gae(r, v, tg, b, t, 1, 1);
    spans.forEach(([s, e], row) => {
      for (let k = s; k < e; k++) {
        let ret = 0;
        for (let j = k; j < e; j++) ret += r[row * t + j];
        expect(advantages[row * t + k]).toBeCloseTo(ret - v[row * t + k], 12);
        expect(returns[row * t + k]).toBeCloseTo(ret, 12);
      }
    });
  });

  it("λ = 0 is the one-step surprise δ_t alone", () => {
    // row 0: δ = −0.2, 0.4, 0.2; row 1: δ = −0.1, −0.4 (from the first test's lines).
    const { advantages } = gae(rewards, values, targets, B, T, 1, 0);
    const want = [0, -0.2, 0.4, 0.2, 0, 0, 0, 0, -0.1, -0.4, 0, 0];
    for (let i = 0; i < B * T; i++) expect(advantages[i], `A at ${i}`).toBeCloseTo(want[i], 12);
  });

  it("a mismatched array is an error that names both sizes", () => {
    expect(() => gae(rewards.slice(1), values, targets, B, T, 1, 0.95)).toThrow(/rewards has 11.*needs 12/);
  });
});

describe("per-token rewards and whitening", () => {
  it("r_t = −β·(log π_old − log π_ref) on each completion token, the score on the last", () => {
    // β = 0.1. row 0: log π_old − log π_ref = 0.5, −1, 2 at t = 1, 2, 3; score 3.
    //   r = −0.05, 0.1, −0.2 + 3 = 2.8
    // row 1: differences 1, 0 at t = 2, 3; score −1:   r = −0.1, 0 − 1 = −1
    const logpRef = new Float64Array(B * T).fill(-2);
    const logpOld = Float64Array.from(logpRef);
    logpOld.set([-1.5, -3, 0], 1);
    logpOld.set([-1, -2], 8);
    logpOld[0] = X; // prompt and padding are not charged
    logpOld[5] = X;
    const r = klPenalizedRewards([3, -1], logpOld, logpRef, targets, B, T, 0.1);
    const want = [0, -0.05, 0.1, 2.8, 0, 0, 0, 0, -0.1, -1, 0, 0];
    for (let i = 0; i < B * T; i++) expect(r[i], `r at ${i}`).toBeCloseTo(want[i], 12);
    expect(() => klPenalizedRewards([3], logpOld, logpRef, targets, B, T, 0.1)).toThrow(/score has 1.*B = 2/);
  });

  it("whitening gives mean 0 and sample variance 1 over the completion tokens only", () => {
    // Completion values 1, 2, 3, 4, 5 (the X are skipped): mean 3, Σ (x − 3)² = 10,
    // sample variance 10/4 = 2.5, so 1 ↦ −2/√2.5 = −1.2649… and 5 ↦ +1.2649…
    const x = [X, 1, 2, 3, X, X, X, X, 4, 5, X, X];
    const w = whiten(x, targets);
    expect(w[1]).toBeCloseTo(-2 / Math.sqrt(2.5), 6);
    expect(w[2]).toBeCloseTo(-1 / Math.sqrt(2.5), 6);
    expect(w[3]).toBeCloseTo(0, 12);
    expect(w[9]).toBeCloseTo(2 / Math.sqrt(2.5), 6);
    expect(w[0]).toBe(0);
    expect(w[4]).toBe(0);
  });
});

describe("exercise: clipped-policy-loss", () => {
  // Five completion tokens (position 0 is the prompt), ε = 0.2, so the band is [0.8, 1.2]:
  //   token  A    ρ     −A·ρ   −A·clip(ρ)   max (branch)            ∂/∂log π = −A·ρ or 0
  //   1      +1   1.1   −1.1   −1.1         −1.1 (inside: same)     −1.1
  //   2      +1   1.5   −1.5   −1.2         −1.2 (clipped)          0
  //   3      −1   0.5   +0.5   +0.8         +0.8 (clipped)          0
  //   4      −2   1.5   +3.0   +2.4         +3.0 (unclipped)        +3.0   wrong way up: not clipped
  //   5      +1   0.5   −0.5   −0.8         −0.5 (unclipped)        −0.5   wrong way down: not clipped
  // N = 5: loss = (−1.1 − 1.2 + 0.8 + 3 − 0.5)/5 = 0.2; clipFraction = 2/5; dLogp = column / 5.
  // k3 = ρ − 1 − ln ρ with ln 1.1 = 0.0953102, ln 1.5 = 0.4054651, ln 0.5 = −0.6931472:
  //   1.1 → 0.0046898   1.5 → 0.0945349   0.5 → 0.1931472
  //   mean = (0.0046898 + 2·0.0945349 + 2·0.1931472)/5 = 0.5800540/5 = 0.1160108
  const tg = Int32Array.from([-1, 1, 1, 1, 1, 1]);
  const A = [X, 1, 1, -1, -2, 1];
  const rho = [1, 1.1, 1.5, 0.5, 1.5, 0.5];
  const logpOld = [-3, -1, -2, -0.5, -4, -2.5];
  const logp = logpOld.map((l, i) => l + Math.log(rho[i]));

  it("takes the clipped branch only where it is the larger, by hand", () => {
    const out = clippedPolicyLoss(logp, logpOld, A, tg, 1, 6, 0.2);
    expect(out.loss).toBeCloseTo(0.2, 12);
    expect(out.clipFraction).toBeCloseTo(0.4, 12);
    const want = [0, -1.1 / 5, 0, 0, 3 / 5, -0.5 / 5];
    for (let i = 0; i < 6; i++) expect(out.dLogp[i], `dLogp at ${i}`).toBeCloseTo(want[i], 12);
    expect(out.approxKl).toBeCloseTo(0.1160108, 6);
  });

  it("on the first epoch (π = π_old) it is the policy gradient: L = −mean A, ∂L/∂log π = −A/N", () => {
    const out = clippedPolicyLoss(logpOld, logpOld, A, tg, 1, 6, 0.2);
    expect(out.loss).toBeCloseTo(-(1 + 1 - 1 - 2 + 1) / 5, 12);
    expect([...out.dLogp]).toEqual([0, -0.2, -0.2, 0.2, 0.4, -0.2]);
    expect(out.clipFraction).toBe(0);
    expect(out.approxKl).toBe(0);
  });

  it("matches central differences, and prompt and padding have no gradient", () => {
    const rng = new Rng(5);
    const b = 2;
    const t = 8;
    const tg2 = new Int32Array(b * t).fill(-1);
    tg2.fill(3, 1, 7);
    tg2.fill(3, t + 3, t + 8);
    const old = Float64Array.from({ length: b * t }, () => -1 - 2 * rng.next());
    const lp = Float64Array.from(old, (l) => l + 0.8 * (rng.next() - 0.5)); // ρ in [0.67, 1.49]
    const adv = Float64Array.from({ length: b * t }, () => rng.normal());
    // Stay clear of the kinks at ρ = 0.8 and 1.2, where the derivative jumps.
    for (let i = 0; i < b * t; i++) {
      const r = Math.exp(lp[i] - old[i]);
      expect(Math.min(Math.abs(r - 0.8), Math.abs(r - 1.2))).toBeGreaterThan(1e-4);
    }
    const { dLogp, clipFraction } = clippedPolicyLoss(lp, old, adv, tg2, b, t, 0.2);
    expect(clipFraction).toBeGreaterThan(0); // both branches are exercised
    expect(clipFraction).toBeLessThan(1);
    const f = () => clippedPolicyLoss(lp, old, adv, tg2, b, t, 0.2).loss;
    for (let i = 0; i < b * t; i++) expect(dLogp[i], `at ${i}`).toBeCloseTo(numericGrad(lp, i, f), 7);
    expect(dLogp[0]).toBe(0);
    expect(dLogp[t - 1]).toBe(0);
  });
});

describe("clipped value loss", () => {
  it("½·mean max((V − R)², (clip(V) − R)²) and its gradient, by hand", () => {
    // ε_v = 0.2, four tokens (position 0 is the prompt), N = 4:
    //   V    V_old  R    V_clip  (V − R)²  (V_clip − R)²  max      ∂/∂V
    //   1.0  0.9    0.0  1.0     1.00      1.00           1.00     (1 − 0)/4       inside the band
    //   1.5  1.0    0.0  1.2     2.25      1.44           2.25     (1.5 − 0)/4     free branch larger
    //   0.5  1.0    1.5  0.8     1.00      0.49           1.00     (0.5 − 1.5)/4   free branch larger
    //   1.4  1.0    1.4  1.2     0.00      0.04           0.04     0               clipped: held back
    // loss = ½·(1 + 2.25 + 1 + 0.04)/4 = 0.53625; clipFraction = 1/4.
    const tg = Int32Array.from([-1, 0, 0, 0, 0]);
    const out = clippedValueLoss(
      [X, 1, 1.5, 0.5, 1.4],
      [X, 0.9, 1, 1, 1],
      [X, 0, 0, 1.5, 1.4],
      tg,
      1,
      5,
      0.2,
    );
    expect(out.loss).toBeCloseTo(0.53625, 12);
    const want = [0, 1 / 4, 1.5 / 4, -1 / 4, 0];
    for (let i = 0; i < 5; i++) expect(out.dValues[i], `dV at ${i}`).toBeCloseTo(want[i], 12);
    expect(out.clipFraction).toBeCloseTo(0.25, 12);
  });

  it("matches central differences", () => {
    const rng = new Rng(9);
    const n = 10;
    const tg = Int32Array.from({ length: n }, (_, i) => (i === 0 ? -1 : 1));
    const vOld = Float64Array.from({ length: n }, () => rng.normal());
    const v = Float64Array.from(vOld, (x) => x + (rng.next() - 0.5));
    const R = Float64Array.from({ length: n }, () => rng.normal());
    const { dValues } = clippedValueLoss(v, vOld, R, tg, 1, n, 0.2);
    const f = () => clippedValueLoss(v, vOld, R, tg, 1, n, 0.2).loss;
    for (let i = 0; i < n; i++) expect(dValues[i], `at ${i}`).toBeCloseTo(numericGrad(v, i, f), 7);
  });
});
