// GPTQ (Frantar et al. 2022, arXiv 2210.17323): quantize one input row of W at a
// time and push the rounding error onto the rows not yet quantized, weighted by
// how the layer's inputs co-vary, so the OUTPUT error ‖X·W − X·Ŵ‖² stays small.
//
// Our Conv1D weight is W[K = in, N = out]; the paper's "columns" (input
// dimensions) are our rows k. With calibration inputs X[T, K]:
//
//   H = 2 XᵀX / T + λI               (the Hessian of the output error; λ = 1% of mean diag, "dampening")
//   U = Cholesky(H⁻¹), upper: H⁻¹ = UᵀU   (Algorithm 1 uses its rows)
//   for k = 0 … K−1:
//     q_k  = quant(w_k)                  (row k, group params from the current, updated rows)
//     e    = (w_k − q_k) / U[k, k]
//     w_j −= U[k, j] · e   for j > k     (error feedback onto the later rows)
//
// This is the OBS update of Frantar & Alistarh (Optimal Brain Compression)
// applied in a fixed order; the Cholesky form computes every inverse Hessian it
// needs at once.
//
// Lazy batch updates (the paper's §"Lazy Batch-Updates"): row k's feedback onto
// rows FAR below it is not needed until those rows come up, so within a batch of
// B rows (128 in the paper) only the batch's own rows are updated; the errors
// E[k] of the batch are kept, and every later row j gets them all at once:
//   w_j −= Σ_{k in batch} U[k, j] · E[k]         (one matrix product per batch)
// Same result (up to float summation order); far fewer passes over W, which is
// what makes GPTQ memory-bound-friendly on a GPU. lazyBatch = K is the plain loop.
// The group's (scale, zero point) is fixed when its first row comes up, from the
// rows as they are then (already corrected by earlier feedback), as GPTQ's code does.

import { UserError } from "@llm-labs/kit";
import { affineParams, checkBits, checkFinite, quantizeValue, uintN } from "./quantize.ts";
import { checkGroup, type Int4Weight } from "./int4.ts";

// Lower Cholesky factor L of a symmetric positive definite A[n, n]: A = L·Lᵀ.
export function cholesky(a: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (s <= 0) throw new Error(`cholesky: matrix is not positive definite at ${i}`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  return L;
}

// H⁻¹ from H = L·Lᵀ: solve L·Y = I, then Lᵀ·H⁻¹ = Y.
export function spdInverse(a: Float64Array, n: number): Float64Array {
  const L = cholesky(a, n);
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
      y[i] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * inv[k * n + c];
      inv[i * n + c] = s / L[i * n + i];
    }
  }
  return inv;
}

// H = 2 XᵀX / T + λ I with λ = damp · mean(diag).
export function hessian(x: ArrayLike<number>, T: number, K: number, damp = 0.01): Float64Array {
  const H = new Float64Array(K * K);
  for (let t = 0; t < T; t++) {
    const o = t * K;
    for (let i = 0; i < K; i++) {
      const xi = x[o + i];
      if (xi === 0) continue;
      for (let j = i; j < K; j++) H[i * K + j] += xi * x[o + j]; // upper triangle; mirrored below
    }
  }
  for (let i = 0; i < K; i++)
    for (let j = i; j < K; j++) {
      const v = (2 * H[i * K + j]) / T;
      H[i * K + j] = v;
      H[j * K + i] = v;
    }
  let mean = 0;
  for (let i = 0; i < K; i++) mean += H[i * K + i] / K;
  for (let i = 0; i < K; i++) H[i * K + i] += damp * mean + (mean === 0 ? 1 : 0); // all inputs dead: any W is optimal
  return H;
}

// The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU): U = Lᵀ where L·Lᵀ = H⁻¹.
export function inverseCholeskyUpper(H: Float64Array, K: number): Float64Array {
  const L = cholesky(spdInverse(H, K), K);
  const U = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = i; j < K; j++) U[i * K + j] = L[j * K + i];
  return U;
}

export function gptqQuantize(
  w: ArrayLike<number>,
  K: number,
  N: number,
  H: Float64Array,
  blockSize: number,
  bits = 4,
  lazyBatch = 128,
): Int4Weight {
  if (!Number.isInteger(lazyBatch) || lazyBatch < 1)
    throw new UserError(`gptqQuantize: lazy batch must be a positive integer, got ${lazyBatch}`);
  checkBits(bits);
  checkGroup(K, blockSize);
  checkFinite(w, "gptqQuantize");
  const t = uintN(bits);
  const nb = K / blockSize;
  const U = inverseCholeskyUpper(H, K);
  const W = Float64Array.from(w); // updated in place as errors are fed forward
  const q = new Uint8Array(N * K);
  const scales = new Float32Array(N * nb);
  const zeroPoints = new Uint8Array(N * nb);
  const E = new Float64Array(Math.min(lazyBatch, K) * N); // the batch's errors, one row of N per k
  for (let k = 0; k < K; k++) {
    const b = Math.floor(k / blockSize);
    const b0 = k - (k % lazyBatch);
    const end = Math.min(b0 + lazyBatch, K); // this lazy batch: rows b0 … end−1
    const err = E.subarray((k - b0) * N, (k - b0 + 1) * N);
    if (k % blockSize === 0)
      for (let n = 0; n < N; n++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let r = k; r < k + blockSize; r++) {
          lo = Math.min(lo, W[r * N + n]);
          hi = Math.max(hi, W[r * N + n]);
        }
        const p = affineParams(lo, hi, t);
        scales[n * nb + b] = p.scale;
        zeroPoints[n * nb + b] = p.zeroPoint;
      }
    // #region exercise gptq-column-update
    // hint: for each n: quantize W[k, n] with its group's params, dequantize to get ŵ, e[n] = (W[k, n] − ŵ) / U[k, k].
    // hint: then for every later row j > k of this lazy batch (j < end): W[j, n] −= U[k, j] · e[n].
    const d = U[k * K + k];
    for (let n = 0; n < N; n++) {
      const g = n * nb + b;
      const p = { scale: scales[g], zeroPoint: zeroPoints[g] };
      const qv = quantizeValue(W[k * N + n], p, t);
      q[n * K + k] = qv;
      err[n] = (W[k * N + n] - (qv - p.zeroPoint) * p.scale) / d;
    }
    for (let j = k + 1; j < end; j++) {
      const u = U[k * K + j];
      if (u === 0) continue;
      for (let n = 0; n < N; n++) W[j * N + n] -= u * err[n];
    }
    // #endregion
    // the batch is done: every later row gets the batch's errors at once
    if (k === end - 1)
      for (let j = end; j < K; j++)
        for (let kk = b0; kk < end; kk++) {
          const u = U[kk * K + j];
          if (u === 0) continue;
          const e = E.subarray((kk - b0) * N, (kk - b0 + 1) * N);
          for (let n = 0; n < N; n++) W[j * N + n] -= u * e[n];
        }
  }
  return { K, N, blockSize, q, scales, zeroPoints };
}

// ‖X·A − X·B‖² / (T·N): the mean squared output error of a layer on inputs X.
export function outputError(
  x: ArrayLike<number>,
  T: number,
  K: number,
  N: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): number {
  let se = 0;
  const row = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const xv = x[t * K + k];
      for (let n = 0; n < N; n++) row[n] += xv * (a[k * N + n] - b[k * N + n]);
    }
    for (let n = 0; n < N; n++) se += row[n] * row[n];
  }
  return se / (T * N);
}
