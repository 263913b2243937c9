// SVD-LLM (Wang et al. 2024): truncate in a basis where dropping a singular
// value costs exactly that value in the layer's OUTPUT error.
//
// With calibration inputs X [T, K], the loss of replacing W by W' is
//   ‖X W − X W'‖_F²
// Whiten: take S with S Sᵀ = XᵀX (its Cholesky factor, lower triangular) and
// factor M = Sᵀ W instead of W:
//   M ≈ M_r = A_m B,          W' = S⁻ᵀ M_r = (S⁻ᵀ A_m) B
// Then X W − X W' = (X S⁻ᵀ)(M − M_r), and X S⁻ᵀ has orthonormal columns
// ((X S⁻ᵀ)ᵀ(X S⁻ᵀ) = S⁻¹ XᵀX S⁻ᵀ = I), so
//   ‖X W − X W'‖_F² = ‖M − M_r‖_F² = Σ_{i > r} σ_i(M)²
// The truncation that is optimal for M is optimal for the layer's output on X.
// XᵀX gets a small damping λ I (1e-6 of its mean diagonal) so that a channel
// with no energy does not stop the Cholesky factorization.

import { cholesky } from "@llm-labs/tensor";
import { truncate, type LowRank } from "./low-rank.ts";
import { svd } from "./svd.ts";

// S [K, K], lower triangular: S Sᵀ = XᵀX + λ I.
export function whitening(x: Float32Array, T: number, K: number, damp = 1e-6): Float64Array {
  const H = new Float64Array(K * K);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < K; i++) {
      const xi = x[t * K + i];
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) H[i * K + j] += xi * x[t * K + j];
    }
  let mean = 0;
  for (let i = 0; i < K; i++) mean += H[i * K + i] / K;
  for (let i = 0; i < K; i++) {
    H[i * K + i] += damp * mean;
    for (let j = 0; j < i; j++) H[j * K + i] = H[i * K + j];
  }
  return cholesky(H, K);
}

// One rank-r factorization of W per entry of `ranks`, from one SVD of Sᵀ W.
export function svdLlmFactors(
  w: ArrayLike<number>,
  K: number,
  N: number,
  S: Float64Array,
  ranks: number[],
): LowRank[] {
  // #region exercise whitening
  // M = Sᵀ W: M[i, n] = Σ_k S[k, i] W[k, n], and S[k, i] = 0 for k < i.
  const M = new Float64Array(K * N);
  for (let k = 0; k < K; k++)
    for (let i = 0; i <= k; i++) {
      const s = S[k * K + i];
      for (let n = 0; n < N; n++) M[i * N + n] += s * w[k * N + n];
    }
  const d = svd(M, K, N);
  return ranks.map((r) => {
    const f = truncate(d, r);
    // A = S⁻ᵀ A_m: solve Sᵀ A = A_m from the last row up (Sᵀ is upper triangular).
    for (let j = 0; j < r; j++)
      for (let i = K - 1; i >= 0; i--) {
        let v = f.A[i * r + j];
        for (let k = i + 1; k < K; k++) v -= S[k * K + i] * f.A[k * r + j];
        f.A[i * r + j] = v / S[i * K + i];
      }
    return f;
  });
  // #endregion
}

export const svdLlm = (w: ArrayLike<number>, K: number, N: number, r: number, S: Float64Array): LowRank =>
  svdLlmFactors(w, K, N, S, [r])[0];
