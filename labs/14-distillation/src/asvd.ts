// Activation-aware SVD (ASVD, Yuan et al. 2023): the plain SVD treats every
// input channel k of W [K, N] alike, but y = x W weighs row k of W by how large
// x_k usually is. Scale the rows first, factor, and undo the scale:
//
//   s_k = (mean_t |X_tk|)^α          α = 0.5, from calibration inputs X [T, K]
//   S W ≈ (S W)_r = A' B             S = diag(s)
//   W ≈ S⁻¹ A' B                     x W = (x S⁻¹)(S W): the same layer, rows rescaled
//
// So the SVD spends its rank on the rows that move the output, not on the rows
// of inputs that are near zero.

import { truncate, type LowRank } from "./low-rank.ts";
import { svd } from "./svd.ts";

export function activationScales(x: Float32Array, T: number, K: number, alpha = 0.5): Float64Array {
  const s = new Float64Array(K);
  for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) s[k] += Math.abs(x[t * K + k]);
  // A channel that is always zero would get s = 0 and an infinite S⁻¹: give it a floor.
  for (let k = 0; k < K; k++) s[k] = Math.max((s[k] / T) ** alpha, 1e-6);
  return s;
}

// One rank-r factorization of W per entry of `ranks`, from one SVD of diag(s) W.
export function asvdFactors(
  w: ArrayLike<number>,
  K: number,
  N: number,
  s: Float64Array,
  ranks: number[],
): LowRank[] {
  const scaled = new Float64Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) scaled[k * N + n] = s[k] * w[k * N + n];
  const d = svd(scaled, K, N);
  return ranks.map((r) => {
    const f = truncate(d, r);
    for (let k = 0; k < K; k++) for (let j = 0; j < r; j++) f.A[k * r + j] /= s[k]; // S⁻¹ A'
    return f;
  });
}

export const asvd = (w: ArrayLike<number>, K: number, N: number, r: number, s: Float64Array): LowRank =>
  asvdFactors(w, K, N, s, [r])[0];
