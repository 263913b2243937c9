import { Rng } from "@llm-labs/tensor";
import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { frobenius2, lowRank, product } from "../src/low-rank.ts";
import { svdLlm, whitening } from "../src/svd-llm.ts";

// Inputs whose channels have very different sizes, as a real layer's do.
function inputs(rng: Rng, T: number, K: number): Float32Array {
  const scale = Array.from({ length: K }, (_, k) => 0.1 + 3 * (k % 3 === 0 ? 1 : 0) + rng.next());
  return Float32Array.from({ length: T * K }, (_, i) => scale[i % K] * rng.normal());
}

// ‖X W − X W'‖_F², computed directly.
function outputError(
  x: Float32Array,
  T: number,
  K: number,
  w: ArrayLike<number>,
  w2: ArrayLike<number>,
  N: number,
) {
  const d = new Float64Array(T * N);
  for (let t = 0; t < T; t++)
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++) d[t * N + n] += x[t * K + k] * (w[k * N + n] - w2[k * N + n]);
  return frobenius2(d);
}

describe("exercise: whitening", () => {
  it("makes the output error on X equal the dropped singular values of SᵀW (checked with ml-matrix)", () => {
    const rng = new Rng(11);
    const [T, K, N] = [64, 8, 6];
    const x = inputs(rng, T, K);
    const w = Float64Array.from({ length: K * N }, () => rng.normal());
    const S = whitening(x, T, K, 0);
    // Independently: XᵀX by ml-matrix, its Cholesky factor L, then the singular values of Lᵀ W.
    const X = new Matrix(Array.from({ length: T }, (_, t) => Array.from(x.subarray(t * K, (t + 1) * K))));
    const L = new CholeskyDecomposition(X.transpose().mmul(X)).lowerTriangularMatrix;
    const W = new Matrix(Array.from({ length: K }, (_, k) => Array.from(w.subarray(k * N, (k + 1) * N))));
    const sigma = new SingularValueDecomposition(L.transpose().mmul(W)).diagonal;
    for (const r of [1, 3, 5]) {
      const w2 = product(svdLlm(w, K, N, r, S));
      let dropped = 0;
      for (let i = r; i < sigma.length; i++) dropped += sigma[i] ** 2;
      expect(outputError(x, T, K, w, w2, N) / dropped).toBeCloseTo(1, 8);
    }
  });

  it("never has a larger output error on X than the plain truncated SVD at the same rank", () => {
    const rng = new Rng(12);
    const [T, K, N] = [96, 12, 10];
    const x = inputs(rng, T, K);
    const w = Float64Array.from({ length: K * N }, () => rng.normal());
    const S = whitening(x, T, K);
    for (let r = 1; r < 10; r++) {
      const plain = outputError(x, T, K, w, product(lowRank(w, K, N, r)), N);
      const whitened = outputError(x, T, K, w, product(svdLlm(w, K, N, r, S)), N);
      expect(whitened).toBeLessThanOrEqual(plain * (1 + 1e-9));
    }
  });
});
