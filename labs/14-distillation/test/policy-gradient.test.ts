import { centralDifference, Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { reverseKl } from "../src/divergences.ts";
import { sequenceReverseKlGrad } from "../src/policy-gradient.ts";
import { logSoftmax64 } from "../src/probs.ts";

// A tabular toy where the sequence-level reverse KL can be written out exactly:
// V = 3 tokens, T = 2 positions. Each model is a table of logits,
//   z1 [V]        the distribution of y_1
//   z2 [V, V]     row y_1: the distribution of y_2 after y_1
// so a "model" is 12 numbers, θ = [z1, z2].
//
//   KL(q ‖ p) over sequences = Σ_{y1, y2} q(y1) q(y2|y1) [ln q(y1)/p(y1) + ln q(y2|y1)/p(y2|y1)]
//
// Its exact gradient (finite differences of that sum) must equal the
// policy-gradient form averaged over all 9 sequences, each weighted by q(y):
//   Σ_y q(y) Σ_t [∇ KL(q_t ‖ p_t) + R_{t+1} ∇ ln q(y_t)]   (normalize = false)
const V = 3;

function sequenceKl(q: Float64Array, p: Float64Array): number {
  const lq1 = logSoftmax64(q.subarray(0, V));
  const lp1 = logSoftmax64(p.subarray(0, V));
  let kl = 0;
  for (let a = 0; a < V; a++) {
    const lq2 = logSoftmax64(q.subarray(V + a * V, V + (a + 1) * V));
    const lp2 = logSoftmax64(p.subarray(V + a * V, V + (a + 1) * V));
    for (let b = 0; b < V; b++) kl += Math.exp(lq1[a] + lq2[b]) * (lq1[a] - lp1[a] + lq2[b] - lp2[b]);
  }
  return kl;
}

// Rows [T, V] of one sequence: position 1 reads z1, position 2 reads row y1 of z2.
const rowsOf = (theta: Float64Array, y1: number) =>
  Float32Array.from([...theta.subarray(0, V), ...theta.subarray(V + y1 * V, V + (y1 + 1) * V)]);

function toy(seed: number): { q: Float64Array; p: Float64Array } {
  const rng = new Rng(seed);
  const draw = () => Float64Array.from({ length: V + V * V }, () => rng.normal(0, 1.5));
  return { q: draw(), p: draw() };
}

describe("exercise: policy-gradient", () => {
  it("averaged over every sequence, equals the exact gradient of the sequence-level KL(q ‖ p)", () => {
    for (const seed of [1, 2, 3]) {
      const { q, p } = toy(seed);
      const estimate = new Float64Array(q.length);
      let expectedKl = 0;
      for (let a = 0; a < V; a++)
        for (let b = 0; b < V; b++) {
          const lq1 = logSoftmax64(q.subarray(0, V));
          const lq2 = logSoftmax64(q.subarray(V + a * V, V + (a + 1) * V));
          const w = Math.exp(lq1[a] + lq2[b]); // q(y), the weight of this sequence
          const g = new Float64Array(2 * V);
          expectedKl += w * sequenceReverseKlGrad(rowsOf(p, a), rowsOf(q, a), [a, b], V, g, w, false);
          for (let v = 0; v < V; v++) {
            estimate[v] += g[v];
            estimate[V + a * V + v] += g[V + v];
          }
        }
      expect(expectedKl).toBeCloseTo(sequenceKl(q, p), 5); // float32 rows: 5 places
      for (let i = 0; i < q.length; i++)
        expect(estimate[i]).toBeCloseTo(
          centralDifference(q, i, () => sequenceKl(q, p), 1e-5),
          5,
        );
    }
  });

  it("is the single-step gradient plus R_{t+1}(onehot(y_t) − q_t), R length-normalised (hand-built case)", () => {
    // T = 3 rows; the last row has no future (R = 0), so its gradient is reverse KL's alone.
    // Row 0's future is r_1 + r_2 over 2 terms: normalize divides its long-term part by 2.
    const rng = new Rng(9);
    const W = 4;
    const T = 3;
    const s = Float32Array.from({ length: T * W }, () => rng.normal());
    const t = Float32Array.from({ length: T * W }, () => rng.normal());
    const y = [2, 0, 3];
    const single = new Float64Array(T * W);
    for (let i = 0; i < T; i++)
      reverseKl(
        t.subarray(i * W, (i + 1) * W),
        s.subarray(i * W, (i + 1) * W),
        single.subarray(i * W, (i + 1) * W),
      );
    const raw = new Float64Array(T * W);
    const norm = new Float64Array(T * W);
    const sumR = sequenceReverseKlGrad(t, s, y, W, raw, 1, false);
    sequenceReverseKlGrad(t, s, y, W, norm, 1, true);
    const r = y.map(
      (yt, i) =>
        logSoftmax64(s.subarray(i * W, (i + 1) * W))[yt] - logSoftmax64(t.subarray(i * W, (i + 1) * W))[yt],
    );
    expect(sumR).toBeCloseTo(r[0] + r[1] + r[2], 10);
    const q0 = logSoftmax64(s.subarray(0, W)).map(Math.exp);
    for (let v = 0; v < W; v++) {
      const longTerm = (r[1] + r[2]) * ((v === y[0] ? 1 : 0) - q0[v]);
      expect(raw[v] - single[v]).toBeCloseTo(longTerm, 10);
      expect(norm[v] - single[v]).toBeCloseTo(longTerm / 2, 10);
      expect(raw[2 * W + v]).toBeCloseTo(single[2 * W + v], 12);
    }
  });
});
