import { Rng } from "@llm-labs/tensor";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { frobenius2, paramRatio, product, rankForRatio, truncate } from "../src/low-rank.ts";
import { svd } from "../src/svd.ts";

const randomMatrix = (rng: Rng, rows: number, cols: number) =>
  Float64Array.from({ length: rows * cols }, () => rng.normal());

// ml-matrix's rank-r approximation, built from its U, Σ, V: an independent W_r.
function libraryRankR(w: Float64Array, K: number, N: number, r: number): Float64Array {
  const m = new Matrix(Array.from({ length: K }, (_, i) => Array.from(w.subarray(i * N, (i + 1) * N))));
  const d = new SingularValueDecomposition(m, { autoTranspose: true });
  const U = d.leftSingularVectors;
  const V = d.rightSingularVectors;
  const out = new Float64Array(K * N);
  for (let i = 0; i < K; i++)
    for (let j = 0; j < r; j++)
      for (let c = 0; c < N; c++) out[i * N + c] += U.get(i, j) * d.diagonal[j] * V.get(c, j);
  return out;
}

describe("exercise: truncated-svd", () => {
  it("keeps the largest singular value of a diagonal matrix (hand calculation)", () => {
    // W = [[3, 0], [0, 2], [0, 0]]: σ = 3, 2. Rank 1 keeps the 3: W_1 = [[3, 0], [0, 0], [0, 0]],
    // and the error is the dropped σ: ‖W − W_1‖_F² = 2² = 4.
    const W = [3, 0, 0, 2, 0, 0];
    const f = truncate(svd(W, 3, 2), 1);
    expect(f.A.length).toBe(3); // A [K, r] = [3, 1]
    expect(f.B.length).toBe(2); // B [r, N] = [1, 2]
    const w1 = product(f);
    [3, 0, 0, 0, 0, 0].forEach((v, i) => expect(w1[i]).toBeCloseTo(v, 12));
    expect(frobenius2(W.map((v, i) => v - w1[i]))).toBeCloseTo(4, 12);
  });

  it("equals ml-matrix's rank-r approximation, with error Σ_{i>r} σ_i² (Eckart–Young)", () => {
    const rng = new Rng(3);
    const [K, N] = [20, 12];
    const W = randomMatrix(rng, K, N);
    const d = svd(W, K, N);
    for (const r of [1, 4, 11, 12]) {
      const wr = product(truncate(d, r));
      const ref = libraryRankR(W, K, N, r);
      for (let i = 0; i < wr.length; i++) expect(wr[i]).toBeCloseTo(ref[i], 9);
      let dropped = 0;
      for (let i = r; i < d.k; i++) dropped += d.S[i] ** 2;
      expect(frobenius2(W.map((v, i) => v - wr[i]))).toBeCloseTo(dropped, 9);
    }
  });

  it("gives a rank for a parameter ratio, and a layer smaller than dense only below K N / (K + N)", () => {
    // 128 × 384: K N / (K + N) = 49152 / 512 = 96. ρ = 0.5 → r = 48; r = 96 costs exactly the dense layer.
    expect(rankForRatio(0.5, 128, 384)).toBe(48);
    expect(paramRatio(96, 128, 384)).toBe(1);
    expect(paramRatio(128, 128, 384)).toBeCloseTo(4 / 3, 12);
  });
});
