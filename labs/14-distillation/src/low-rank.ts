// Truncated SVD: the best rank-r approximation of a weight W [K, N] (Eckart &
// Young 1936), stored as two thin matrices so that the layer becomes two
// matmuls:
//
//   W = U Σ Vᵀ  ≈  W_r = (U_r Σ_r) · V_rᵀ = A · B,   A [K, r],  B [r, N]
//   y = x W  ≈  (x A) B                                cost r(K + N) instead of K N
//   ‖W − W_r‖_F² = Σ_{i > r} σ_i²                       nothing of rank r does better
//
// The parameter ratio r(K + N) / (K N) says what is saved; it falls below 1
// only for r < K N / (K + N) (96 for the target's 128 × 384 c_attn): a
// low-rank layer at full rank is LARGER than the dense one.

import { svd, type Svd } from "./svd.ts";

export interface LowRank {
  K: number;
  N: number;
  r: number;
  A: Float64Array; // [K, r] = U_r Σ_r
  B: Float64Array; // [r, N] = V_rᵀ
}

export function truncate(d: Svd, r: number): LowRank {
  if (!(Number.isInteger(r) && r >= 0 && r <= d.k))
    throw new Error(`truncate: rank ${r} is not in 0 … ${d.k}`);
  const { m: K, n: N, k } = d;
  const A = new Float64Array(K * r);
  const B = new Float64Array(r * N);
  // #region exercise truncated-svd
  for (let i = 0; i < K; i++) for (let j = 0; j < r; j++) A[i * r + j] = d.U[i * k + j] * d.S[j];
  B.set(d.Vt.subarray(0, r * N));
  // #endregion
  return { K, N, r, A, B };
}

export const lowRank = (w: ArrayLike<number>, K: number, N: number, r: number): LowRank =>
  truncate(svd(w, K, N), r);

// A · B back as one dense [K, N] matrix (what the perplexity runs load into the specimen).
export function product(f: LowRank): Float64Array {
  const { K, N, r, A, B } = f;
  const out = new Float64Array(K * N);
  for (let i = 0; i < K; i++)
    for (let j = 0; j < r; j++) {
      const a = A[i * r + j];
      if (a === 0) continue;
      for (let c = 0; c < N; c++) out[i * N + c] += a * B[j * N + c];
    }
  return out;
}

// The rank that gives parameter ratio ρ for a K × N layer: r = ⌊ρ K N / (K + N)⌋, at least 1.
export const rankForRatio = (rho: number, K: number, N: number): number =>
  Math.max(1, Math.min(Math.min(K, N), Math.floor((rho * K * N) / (K + N))));

export const paramRatio = (r: number, K: number, N: number): number => (r * (K + N)) / (K * N);

// ‖X‖_F² of a flat matrix.
export function frobenius2(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
