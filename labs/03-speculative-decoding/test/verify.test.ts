import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import {
  acceptDraftToken,
  bonusToken,
  residualDistribution,
  speculativeStepFromDistributions,
  verifyDrafts,
} from "../src/verify.ts";
import { chiSquare } from "./util.ts";

const P = (...xs: number[]) => Float64Array.from(xs);
const oneHot = (i: number, n = 8) => {
  const p = new Float64Array(n);
  p[i] = 1;
  return p;
};

// A fixed pair over a vocabulary of 8: the draft over-proposes tokens 0 and 3 and
// never proposes token 7, so both acceptance and the residual matter.
const p1 = P(0.05, 0.2, 0.15, 0.1, 0.2, 0.1, 0.1, 0.1);
const q1 = P(0.3, 0.1, 0.15, 0.25, 0.05, 0.1, 0.05, 0.0);
const p2 = P(0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.1, 0.1);
const q2 = P(0.2, 0.05, 0.05, 0.2, 0.1, 0.3, 0.05, 0.05);
const p3 = P(0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);

// 7 degrees of freedom; P(χ²₇ > 24.32) = 0.001 (any χ² table). A correct
// sampler fails this once in a thousand seeds; seed 1234 is fixed.
const CHI2_7_P001 = 24.32;
const DRAWS = 100_000;

function firstTokenCounts(
  residual?: (p: Float64Array, q: Float64Array) => Float64Array,
  seed = 1234,
): number[] {
  const rng = new Rng(seed);
  const counts = new Array<number>(8).fill(0);
  for (let n = 0; n < DRAWS; n++)
    counts[speculativeStepFromDistributions([p1, p2, p3], [q1, q2], rng, residual)[0]]++;
  return counts;
}

describe("the output is distributed as the target's p (Leviathan et al. Theorem 1)", () => {
  it(`first emitted token of 100k steps (γ = 2): χ² against p₁ below ${CHI2_7_P001} (p-value > 0.001, seed 1234)`, () => {
    const x2 = chiSquare(firstTokenCounts(), p1, DRAWS);
    expect(x2).toBeLessThan(CHI2_7_P001);
  });

  it("the same test rejects a wrong residual (sampling from p instead of norm(max(0, p − q))): the test has power", () => {
    const x2 = chiSquare(
      firstTokenCounts((p) => p),
      p1,
      DRAWS,
    );
    expect(x2).toBeGreaterThan(CHI2_7_P001 * 10);
  });

  it("and rejects the draft's own q: without the verifier the output would follow q", () => {
    const rng = new Rng(7);
    const counts = new Array<number>(8).fill(0);
    for (let n = 0; n < DRAWS; n++) {
      let u = rng.next();
      let i = 0;
      while (u >= q1[i] && i < 7) u -= q1[i++];
      counts[i]++;
    }
    expect(chiSquare(counts, p1, DRAWS)).toBeGreaterThan(CHI2_7_P001 * 10);
  });
});

describe("exercise: residual-distribution", () => {
  it("norm(max(0, p − q)) by hand: p = (.5 .3 .2 0), q = (.2 .5 .1 .2) → (.3 0 .1 0)/.4 = (.75 0 .25 0)", () => {
    const r = residualDistribution(P(0.5, 0.3, 0.2, 0), P(0.2, 0.5, 0.1, 0.2));
    [0.75, 0, 0.25, 0].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 12));
  });
  it("p = q leaves nothing to correct: returns p", () => {
    expect(Array.from(residualDistribution(p1, p1))).toEqual(Array.from(p1));
  });
  it("different lengths are an error", () => {
    expect(() => residualDistribution(P(1), P(0.5, 0.5))).toThrow(/p has 1 entries, q has 2/);
  });
});

describe("exercise: accept-test", () => {
  it("keeps x with probability min(1, p(x)/q(x)): p(x) = 0.2, q(x) = 0.4 accepts r = 0.49, rejects r = 0.51", () => {
    const p = P(0.2, 0.8);
    const q = P(0.4, 0.6);
    expect(acceptDraftToken(p, q, 0, 0.49)).toBe(true);
    expect(acceptDraftToken(p, q, 0, 0.51)).toBe(false);
  });
  it("p(x) ≥ q(x) always accepts; p(x) = 0 never does, even for r = 0", () => {
    expect(acceptDraftToken(P(0.8, 0.2), P(0.6, 0.4), 0, 0.999)).toBe(true);
    expect(acceptDraftToken(P(0, 1), P(0.5, 0.5), 0, 0)).toBe(false);
  });
  it("temperature 0 (one-hot p and q) is greedy verification: accept while the draft equals the target's argmax", () => {
    const rng = new Rng(1);
    // target argmaxes 3, 5, 1; the draft proposes 3, 5, 6: keep two, then the target's 1
    const v = verifyDrafts(
      [oneHot(3), oneHot(5), oneHot(1), oneHot(2)],
      [oneHot(3), oneHot(5), oneHot(6)],
      [3, 5, 6],
      rng,
    );
    expect(v).toEqual({ accepted: 2, next: 1 });
  });
});

describe("exercise: bonus-token", () => {
  it("all γ drafts accepted → the bonus token comes from p_{γ+1}", () => {
    const rng = new Rng(2);
    const v = verifyDrafts([oneHot(3), oneHot(5), oneHot(6)], [oneHot(3), oneHot(5)], [3, 5], rng);
    expect(v).toEqual({ accepted: 2, next: 6 });
  });
  it("the bonus draw follows p_{γ+1}: 100k draws of p₃ pass the χ² test", () => {
    const rng = new Rng(3);
    const counts = new Array<number>(8).fill(0);
    for (let n = 0; n < DRAWS; n++) counts[bonusToken(p3, rng)]++;
    expect(chiSquare(counts, p3, DRAWS)).toBeLessThan(CHI2_7_P001);
  });
});

describe("verifyDrafts input checks", () => {
  it("γ drafts need γ rows of q and γ + 1 rows of p", () => {
    expect(() => verifyDrafts([p1], [q1], [0], new Rng(1))).toThrow(
      /1 drafts need 1 draft rows q and 2 target rows p/,
    );
  });
});
