import { describe, expect, it } from "vitest";
import { centralDifference, Rng } from "@llm-labs/tensor";
import { groupAdvantages, grpoLoss } from "../src/grpo.ts";

describe("exercise: group-advantage", () => {
  it("rewards [0, −1, −2, −1] by hand, with the sample std", () => {
    // mean = (0 − 1 − 2 − 1)/4 = −1; r − mean = 1, 0, −1, 0; Σ (r − mean)² = 2
    // sample std = √(2/3) = 0.81650 (the population std, √(2/4) = 0.70711, would give ±1.414)
    // Â = ±1/(0.81650 + 1e-4) = ±1.22459, and 0 for the two at the mean.
    const A = groupAdvantages([0, -1, -2, -1], 4);
    expect(A[0]).toBeCloseTo(1.22459, 5);
    expect(A[1]).toBe(0);
    expect(A[2]).toBeCloseTo(-1.22459, 5);
    expect(A[3]).toBe(0);
  });

  it("each group is normalised by its own statistics; a group of equal rewards gives 0", () => {
    // Group 0 (rows 0–2) = [1, 0, 0]: mean 1/3, r − mean = 2/3, −1/3, −1/3, Σ² = 6/9,
    //   sample std = √((6/9)/2) = √(1/3) = 0.57735, so Â = (2/3)/0.57745 = 1.15450 and
    //   (−1/3)/0.57745 = −0.57725 (ε = 1e-4 in the denominator).
    // Group 1 (rows 3–5) = [−1, −1, −1]: r − mean = 0, so Â = 0/(0 + ε) = 0: nothing to compare.
    // Group 2 (rows 6–8) = [0.3, 0.3, 0.3]: 0 too, up to the rounding of the mean.
    const A = groupAdvantages([1, 0, 0, -1, -1, -1, 0.3, 0.3, 0.3], 3);
    expect(A[0]).toBeCloseTo(1.1545, 4);
    expect(A[1]).toBeCloseTo(-0.57725, 5);
    expect(A[2]).toBeCloseTo(-0.57725, 5);
    expect([A[3], A[4], A[5]]).toEqual([0, 0, 0]);
    for (const i of [6, 7, 8]) expect(Math.abs(A[i])).toBeLessThan(1e-9);
  });

  it("does not care about the reward's scale or offset", () => {
    // (a·r + c − (a·mean + c)) / (a·std) = (r − mean)/std for a > 0 (ε = 0).
    const r = [0.5, -1, 2, 0, 3, 1];
    const A = groupAdvantages(r, 3, 0);
    const A2 = groupAdvantages(
      r.map((x) => 10 * x - 7),
      3,
      0,
    );
    for (let i = 0; i < r.length; i++) expect(A2[i]).toBeCloseTo(A[i], 12);
  });

  it("refuses rewards that do not split into groups of G, and G < 2", () => {
    expect(() => groupAdvantages([1, 2, 3, 4, 5, 6], 4)).toThrow(/6 rewards .* G = 4/);
    expect(() => groupAdvantages([1, 2], 1)).toThrow(/G must be/);
  });
});

// Two completions, T = 4: row 0 has one completion token (t = 2), row 1 two (t = 1, 2).
const tg = Int32Array.from([-1, -1, 3, -1, -1, 3, 3, -1]);

describe("the GRPO loss", () => {
  it("k3 is 0 where π = π_ref and positive otherwise, averaged per completion first", () => {
    // KL_t = e^u − u − 1 with u = log π_ref − log π:
    //   row 0, t = 2: u = ln 2     → 2 − 0.6931472 − 1 = 0.3068528
    //   row 1, t = 1: u = 0        → 1 − 0 − 1 = 0
    //   row 1, t = 2: u = −ln 2    → 0.5 + 0.6931472 − 1 = 0.1931472
    // per completion: 0.3068528 and (0 + 0.1931472)/2 = 0.0965736; meanKl = 0.2017132
    // (a plain token mean would be 0.5/3 = 0.1666667: the short row weighs more here)
    const logp = Float64Array.from([0, 0, -2, 0, 0, -1, -1, 0]);
    const logpRef = Float64Array.from(logp);
    logpRef[2] = -2 + Math.LN2;
    logpRef[6] = -1 - Math.LN2;
    const out = grpoLoss(logp, logp, logpRef, [0, 0], tg, 2, 4, 0.2, 1);
    expect(out.meanKl).toBeCloseTo(0.2017132, 6);
    expect(out.loss).toBeCloseTo(0.2017132, 6); // Â = 0: the loss is β·KL alone
    expect(grpoLoss(logp, logp, logp, [0, 0], tg, 2, 4, 0.2, 1).meanKl).toBe(0);
  });

  it("with π = π_old = π_ref the loss is −mean Â and ∂L/∂log π_t = −Â_i/(B·|o_i|)", () => {
    const logp = new Float64Array(8).fill(-1);
    const out = grpoLoss(logp, logp, logp, [1.5, -0.5], tg, 2, 4, 0.2, 0.04);
    expect(out.loss).toBeCloseTo(-(1.5 - 0.5) / 2, 12);
    // row 0: −1.5/(2·1) = −0.75; row 1: 0.5/(2·2) = 0.125 on each of its two tokens
    expect([...out.dLogp]).toEqual([0, 0, -0.75, 0, 0, 0.125, 0.125, 0]);
  });

  it("matches central differences, with clipped and unclipped tokens and a KL term", () => {
    const rng = new Rng(17);
    const B = 4;
    const T = 6;
    const targets = new Int32Array(B * T).fill(-1);
    [
      [1, 6],
      [2, 4],
      [0, 5],
      [3, 6],
    ].forEach(([s, e], b) => targets.fill(2, b * T + s, b * T + e));
    const old = Float64Array.from({ length: B * T }, () => -1 - 2 * rng.next());
    const logp = Float64Array.from(old, (l) => l + 0.8 * (rng.next() - 0.5));
    const ref = Float64Array.from(old, (l) => l + 0.6 * (rng.next() - 0.5));
    const adv = [1.2, -0.3, -1.5, 0.6]; // Â per completion, given here so the check stands alone
    for (let i = 0; i < B * T; i++) {
      const r = Math.exp(logp[i] - old[i]);
      expect(Math.min(Math.abs(r - 0.8), Math.abs(r - 1.2))).toBeGreaterThan(1e-4); // off the kinks
    }
    const { dLogp, clipFraction, meanKl } = grpoLoss(logp, old, ref, adv, targets, B, T, 0.2, 0.1);
    expect(clipFraction).toBeGreaterThan(0);
    expect(clipFraction).toBeLessThan(1);
    expect(meanKl).toBeGreaterThan(0);
    const f = () => grpoLoss(logp, old, ref, adv, targets, B, T, 0.2, 0.1).loss;
    for (let i = 0; i < B * T; i++)
      expect(dLogp[i], `at ${i}`).toBeCloseTo(centralDifference(logp, i, f, 1e-6), 7);
  });

  it("a mismatched array is an error that names both sizes", () => {
    const x = new Float64Array(8);
    expect(() => grpoLoss(x, x, x.subarray(1), [0, 0], tg, 2, 4, 0.2, 0.1)).toThrow(/logpRef has 7.*needs 8/);
    expect(() => grpoLoss(x, x, x, [0], tg, 2, 4, 0.2, 0.1)).toThrow(/advantages has 1.*B = 2/);
  });
});
