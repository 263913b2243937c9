// SparseGPT (Frantar & Alistarh 2023, arXiv 2301.00774): prune one input row of W
// at a time and let the rows not yet visited absorb the damage, exactly as GPTQ
// does for rounding in lab 04 (the same machinery: the damped Hessian comes from
// @llm-labs/model, the inverse Cholesky factor from @llm-labs/tensor).
//
// The layer's output error on calibration inputs X[T, K] is a quadratic in W:
//   ‖X·W − X·Ŵ‖² ∝ Σ_n (w_n − ŵ_n)ᵀ H (w_n − ŵ_n),   H = 2XᵀX/T + λI
// Optimal Brain Surgeon (Hassibi & Stork 1993) says: removing weight w_k of a
// column costs w_k² / [H⁻¹]_kk, and the best fix to the other weights is
// δw = −(w_k / [H⁻¹]_kk) · H⁻¹[:, k]. Going through the rows k = 0 … K−1 in order
// (so each step only touches later rows), the inverse Hessians of the shrinking
// problems are the rows of U, the upper Cholesky factor of H⁻¹ (H⁻¹ = UᵀU):
//
//   mask:  in each block of Bs rows, prune the p share of weights with the lowest
//          w² / U[k, k]²   ("adaptive mask selection", §3.3: chosen with the block's
//          weights as they are after the earlier feedback; Bs = 128 as in the paper)
//          N:M: at each group start, per column, prune the M−N lowest of the group
//   for k = 0 … K−1:
//     e[n]  = (W[k, n] − Ŵ[k, n]) / U[k, k]      Ŵ = 0 where pruned, = W where kept
//     W[j, n] −= U[k, j] · e[n]   for j > k      the error feedback (GPTQ's line)
//
// Our Conv1D weight is W[K = in, N = out]: the paper's "columns" are our rows k.
// Its lazy batching (GPU memory traffic) gives the same numbers and is left out.

import { inverseCholeskyUpper } from "@llm-labs/tensor";
import { UserError } from "@llm-labs/kit";
import { checkSparsity, pruneCount, type Mask } from "./mask.ts";
import { checkNM } from "./n-m.ts";

export interface SparseGptOptions {
  sparsity?: number; // unstructured: the share of weights to remove (ignored when nm is given)
  nm?: [number, number]; // semi-structured N:M, e.g. [2, 4]
  blockSize?: number; // Bs, rows per mask-selection block (unstructured only)
}

export interface SparseGptResult {
  w: Float32Array; // the pruned and updated weight [K, N]
  keep: Mask;
}

// U from H: computed once per layer and shared by every sparsity tried on it.
export const sparseGptFactor = (H: Float64Array, K: number): Float64Array => inverseCholeskyUpper(H, K);

export function sparseGpt(
  w: ArrayLike<number>,
  K: number,
  N: number,
  U: Float64Array,
  opts: SparseGptOptions,
): SparseGptResult {
  const p = opts.sparsity ?? 0;
  const Bs = opts.blockSize ?? 128;
  if (opts.nm) checkNM(opts.nm[0], opts.nm[1], K, "sparseGpt");
  else checkSparsity(p, "sparseGpt");
  if (!Number.isInteger(Bs) || Bs < 1)
    throw new UserError(`sparseGpt: blockSize must be a whole number ≥ 1, got ${Bs}`);
  if (U.length !== K * K) throw new Error(`sparseGpt: U must be [${K}, ${K}], got ${U.length} values`);
  const W = Float64Array.from(w); // updated in place as the errors are fed forward
  const keep = new Uint8Array(K * N).fill(1);
  const err = new Float64Array(N);
  const saliency = (k: number, n: number) => W[k * N + n] ** 2 / U[k * K + k] ** 2; // w² / [H⁻¹]_kk

  for (let k0 = 0; k0 < K; k0 += Bs) {
    const k1 = Math.min(K, k0 + Bs);
    if (!opts.nm) {
      // #region exercise sparsegpt-column
      const cnt = pruneCount(p, (k1 - k0) * N);
      if (cnt > 0) {
        const s = new Float64Array((k1 - k0) * N);
        for (let k = k0; k < k1; k++) for (let n = 0; n < N; n++) s[(k - k0) * N + n] = saliency(k, n);
        const sorted = Float64Array.from(s).sort();
        const t = sorted[cnt - 1];
        let pruned = 0;
        for (let i = 0; i < s.length; i++)
          if (s[i] < t) {
            keep[k0 * N + i] = 0;
            pruned++;
          }
        for (let i = 0; i < s.length && pruned < cnt; i++)
          if (s[i] === t) {
            keep[k0 * N + i] = 0;
            pruned++;
          }
      }
      // #endregion
    }
    for (let k = k0; k < k1; k++) {
      if (opts.nm && k % opts.nm[1] === 0) {
        const [n_, m] = opts.nm;
        for (let n = 0; n < N; n++) {
          const rows = Array.from({ length: m }, (_, i) => k + i).sort(
            (a, b) => saliency(a, n) - saliency(b, n) || b - a,
          );
          for (let i = 0; i < m - n_; i++) keep[rows[i] * N + n] = 0; // the M−N least salient (on a tie the later row goes)
        }
      }
      // #region exercise sparsegpt-column
      const d = U[k * K + k];
      for (let n = 0; n < N; n++) {
        if (keep[k * N + n]) err[n] = 0;
        else {
          err[n] = W[k * N + n] / d;
          W[k * N + n] = 0;
        }
      }
      for (let j = k + 1; j < K; j++) {
        const u = U[k * K + j];
        if (u === 0) continue;
        for (let n = 0; n < N; n++) W[j * N + n] -= u * err[n];
      }
      // #endregion
    }
  }
  return { w: Float32Array.from(W), keep };
}
