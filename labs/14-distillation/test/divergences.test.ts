import { centralDifference, Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { forwardKl, jsd, reverseKl } from "../src/divergences.ts";

// The pair every hand calculation below uses:
//   teacher logits [0, 0]       → p = [1/2, 1/2]
//   student logits [ln 9, 0]    → q = [9/10, 1/10]
const teacher = [0, 0];
const student = [Math.log(9), 0];

// A divergence as a function of the student's logits only, for finite differences.
const asFunction = (d: (z: Float64Array) => number, z: Float64Array) => () => d(z);

function gradientCheck(
  d: (p: ArrayLike<number>, z: ArrayLike<number>, g: Float64Array) => number,
  seed: number,
  weight = 1,
): void {
  const rng = new Rng(seed);
  const V = 7;
  const p = Float64Array.from({ length: V }, () => rng.normal(0, 2));
  const z = Float64Array.from({ length: V }, () => rng.normal(0, 2));
  // grad starts non-zero: the functions ADD into it (a batch sums its positions).
  const start = Float64Array.from({ length: V }, () => rng.normal());
  const grad = Float64Array.from(start);
  d(p, z, grad);
  const f = asFunction((zz) => d(p, zz, new Float64Array(V)), z);
  for (let j = 0; j < V; j++)
    expect(grad[j] - start[j]).toBeCloseTo(weight * centralDifference(z, j, f, 1e-5), 6);
}

describe("exercise: forward-kl", () => {
  it("is KL(p ‖ q), the expectation under the TEACHER (hand calculation)", () => {
    // KL(p ‖ q) = ½ ln(0.5/0.9) + ½ ln(0.5/0.1) = ½(−0.587787) + ½(1.609438) = 0.510826
    const grad = new Float64Array(2);
    expect(forwardKl(teacher, student, grad)).toBeCloseTo(0.510826, 6);
    // ∂/∂z = q − p = [0.9 − 0.5, 0.1 − 0.5]
    expect(grad[0]).toBeCloseTo(0.4, 12);
    expect(grad[1]).toBeCloseTo(-0.4, 12);
  });

  it("softens both sides with τ and scales by τ² (Hinton et al. 2015, §2; hand calculation)", () => {
    // τ = 2: p_τ = [½, ½]; q_τ = softmax([ln 9 / 2, 0]) = softmax([ln 3, 0]) = [¾, ¼]
    // τ² · KL(p_τ ‖ q_τ) = 4 · (½ ln(0.5/0.75) + ½ ln(0.5/0.25)) = 4 · 0.143841 = 0.575364
    // ∂/∂z = τ (q_τ − p_τ) = 2 · [¼, −¼]
    const grad = new Float64Array(2);
    expect(forwardKl(teacher, student, grad, 1, 2)).toBeCloseTo(0.575364, 6);
    expect(grad[0]).toBeCloseTo(0.5, 12);
    expect(grad[1]).toBeCloseTo(-0.5, 12);
  });

  it("adds weight · its gradient, equal to finite differences", () => {
    gradientCheck((p, z, g) => forwardKl(p, z, g, 0.3), 1, 0.3);
    gradientCheck((p, z, g) => forwardKl(p, z, g, 1, 3), 2);
  });
});

describe("exercise: reverse-kl", () => {
  it("is KL(q ‖ p), the expectation under the STUDENT (hand calculation)", () => {
    // KL(q ‖ p) = 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5) = 0.529008 − 0.160944 = 0.368064,
    // smaller than KL(p ‖ q) = 0.510826: the two directions are different numbers.
    const grad = new Float64Array(2);
    expect(reverseKl(teacher, student, grad)).toBeCloseTo(0.368064, 6);
    // ∂/∂z_j = q_j (ln(q_j/p_j) − KL): 0.9 (0.587787 − 0.368064) = 0.197750, and its negative
    expect(grad[0]).toBeCloseTo(0.19775, 5);
    expect(grad[1]).toBeCloseTo(-0.19775, 5);
  });

  it("is mode-seeking: a student on one of two teacher modes pays less than one spread over both", () => {
    // p has two equal modes and a valley; q1 sits on one mode, q2 covers all three tokens evenly.
    const p = [Math.log(0.49), Math.log(0.49), Math.log(0.02)];
    const onOneMode = [Math.log(0.98), Math.log(0.01), Math.log(0.01)];
    const spread = [0, 0, 0];
    const g = new Float64Array(3);
    expect(reverseKl(p, onOneMode, g)).toBeLessThan(reverseKl(p, spread, g));
    expect(forwardKl(p, onOneMode, g)).toBeGreaterThan(forwardKl(p, spread, g)); // forward KL: the opposite
  });

  it("adds weight · its gradient, equal to finite differences", () => {
    gradientCheck((p, z, g) => reverseKl(p, z, g, 0.3), 3, 0.3);
    gradientCheck((p, z, g) => reverseKl(p, z, g), 4);
  });
});

describe("exercise: jsd", () => {
  it("is β KL(p ‖ m) + (1 − β) KL(q ‖ m) with m the mixture (hand calculation)", () => {
    // β = ½: m = [0.7, 0.3]
    // ½ [½ ln(0.5/0.7) + ½ ln(0.5/0.3)] + ½ [0.9 ln(0.9/0.7) + 0.1 ln(0.1/0.3)]
    // = ½ [½(−0.336472) + ½(0.510826)] + ½ [0.226183 − 0.109861] = ½(0.087177) + ½(0.116321) = 0.101749
    expect(jsd(teacher, student, new Float64Array(2), 0.5)).toBeCloseTo(0.101749, 6);
  });

  it("tends to β · KL(p ‖ q) as β → 0 and to (1 − β) · KL(q ‖ p) as β → 1 (GKD, Agarwal et al. 2024, §3)", () => {
    const g = new Float64Array(2);
    const small = 1e-4;
    expect(jsd(teacher, student, g, small) / small).toBeCloseTo(0.510826, 3);
    expect(jsd(teacher, student, g, 1 - small) / small).toBeCloseTo(0.368064, 3);
  });

  it("adds weight · its gradient, equal to finite differences", () => {
    gradientCheck((p, z, g) => jsd(p, z, g, 0.5, 0.3), 5, 0.3);
    gradientCheck((p, z, g) => jsd(p, z, g, 0.1), 6);
    gradientCheck((p, z, g) => jsd(p, z, g, 0.9), 7);
  });

  it("is zero with a zero gradient when the student is the teacher", () => {
    const z = [1, -2, 0.5];
    const g = new Float64Array(3);
    expect(jsd(z, z, g, 0.5)).toBeCloseTo(0, 12);
    for (const x of g) expect(x).toBeCloseTo(0, 12);
  });
});
