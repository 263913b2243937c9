import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { completionLengths, logProbBackward, sequenceLogProbs, tokenLogProbs } from "../src/logprobs.ts";
import { packBatch } from "../src/sequences.ts";

// Two rows, V = 3, T = 4:
//   row 0: prompt [2], completion [0, 1, 2]     ids 2 0 1 2    promptLength 1, length 4
//   row 1: prompt [1, 2], completion [0]        ids 1 2 0 ⌀    promptLength 2, length 3
// Position t predicts ids[t + 1] and counts when promptLength − 1 ≤ t < length − 1:
//   row 0: t = 0, 1, 2 count (targets 0, 1, 2); t = 3 has no next token
//   row 1: t = 0 predicts a prompt token, t = 2 and 3 are padding; only t = 1 counts (target 0)
const L2 = Math.log(2);
const L3 = Math.log(3);
const handBatch = () =>
  packBatch(
    [
      { prompt: [2], completion: [0, 1, 2] },
      { prompt: [1, 2], completion: [0] },
    ],
    9,
  );
// Logits chosen so that each softmax is a simple fraction:
//   row 0, t 0: [ln 2, 0, 0]                  e^z = 2, 1, 1 → p = ½, ¼, ¼    target 0: log ½ = −ln 2
//   row 0, t 1: [0, 0, 0]                     p = ⅓ each                      target 1: −ln 3
//   row 0, t 2: [1000, 1000, 1000 + ln 2]     as [0, 0, ln 2]: p = ¼, ¼, ½    target 2: −ln 2 (e^1000 overflows)
//   row 1, t 1: [0, ln 3, 0]                  e^z = 1, 3, 1 → p = ⅕, ⅗, ⅕    target 0: −ln 5
// and junk where nothing counts (it must not leak into any sum).
const handLogits = Float64Array.from([
  ...[L2, 0, 0],
  ...[0, 0, 0],
  ...[1000, 1000, 1000 + L2],
  ...[5, -5, 0],
  ...[9, 9, 9],
  ...[0, L3, 0],
  ...[-7, 3, 1],
  ...[2, 2, 2],
]);

describe("completion log-probs", () => {
  it("counts only the completion's positions (hand example)", () => {
    const { targets, B, T } = handBatch();
    expect(Array.from(targets)).toEqual([0, 1, 2, -1, -1, 0, -1, -1]);
    const lp = tokenLogProbs(handLogits, targets, 3);
    const expected = [-L2, -L3, -L2, 0, 0, -Math.log(5), 0, 0];
    expected.forEach((v, i) => expect(lp[i], `position ${i}`).toBeCloseTo(v, 12));
    // log π(y | x): row 0 = −ln 2 − ln 3 − ln 2 = −ln 12, row 1 = −ln 5
    const seq = sequenceLogProbs(lp, targets, B, T);
    expect(seq[0]).toBeCloseTo(-Math.log(12), 12);
    expect(seq[1]).toBeCloseTo(-Math.log(5), 12);
    expect(Array.from(completionLengths(targets, B, T))).toEqual([3, 1]);
  });

  it("reads float32 logits too (to float32's precision: ln 3 is rounded)", () => {
    const { targets } = handBatch();
    const lp = tokenLogProbs(Float32Array.from(handLogits), targets, 3);
    expect(lp[1]).toBeCloseTo(-L3, 6);
    expect(lp[5]).toBeCloseTo(-Math.log(5), 6);
  });

  it("names the sizes that do not fit, and a target outside the vocabulary", () => {
    const { targets } = handBatch();
    expect(() => tokenLogProbs(new Float64Array(23), targets, 3)).toThrow(/23 values .* 8 × 3 = 24/);
    expect(() => tokenLogProbs(handLogits, Int32Array.from([0, 1, 3, -1, -1, 0, -1, -1]), 3)).toThrow(
      /target 3 at position 2/,
    );
    expect(() => sequenceLogProbs(new Float64Array(7), targets, 2, 4)).toThrow(
      /tokenLp has 7 entries .* 2 × 4 = 8/,
    );
  });
});

describe("logProbBackward", () => {
  // L = Σ_t w_t · log π(y_t): its gradient in the logits is logProbBackward with dTokenLp = w.
  const B = 2;
  const T = 5;
  const V = 7;
  const rng = new Rng(11);
  const logits = Float64Array.from({ length: B * T * V }, () => rng.normal(0, 2));
  const targets = Int32Array.from([-1, 3, 0, 6, -1, -1, -1, 2, 5, -1]);
  const w = Float64Array.from({ length: B * T }, () => rng.normal());
  const L = (z: Float64Array) => tokenLogProbs(z, targets, V).reduce((s, lp, i) => s + w[i] * lp, 0);

  it("matches central finite differences, and is 0 where nothing counts", () => {
    const d = new Float64Array(B * T * V).fill(Number.NaN); // written, not added: NaN must vanish
    logProbBackward(d, logits, targets, w, V);
    const eps = 1e-5;
    let worst = 0;
    for (let k = 0; k < logits.length; k++) {
      const plus = logits.slice();
      const minus = logits.slice();
      plus[k] += eps;
      minus[k] -= eps;
      const fd = (L(plus) - L(minus)) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - d[k]));
    }
    expect(worst).toBeLessThan(1e-8);
    for (const n of [0, 4, 5, 6, 9]) expect(d.subarray(n * V, (n + 1) * V).every((g) => g === 0)).toBe(true);
  });

  it("each counted row sums to 0 (softmax's rows sum to 1) and may overwrite the logits in place", () => {
    const d = new Float64Array(B * T * V);
    logProbBackward(d, logits, targets, w, V);
    for (let n = 0; n < B * T; n++)
      expect(d.subarray(n * V, (n + 1) * V).reduce((s, g) => s + g, 0)).toBeCloseTo(0, 12);
    const inPlace = logits.slice();
    logProbBackward(inPlace, inPlace, targets, w, V);
    expect(Array.from(inPlace)).toEqual(Array.from(d));
  });
});
