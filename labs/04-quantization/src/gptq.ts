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
// what makes GPTQ memory-bound-friendly on a GPU. B = K is the plain loop.
// The group's (scale, zero point) is fixed when its first row comes up, from the
// rows as they are then (already corrected by earlier feedback), as GPTQ's code does.

import { UserError } from "@llm-labs/kit";
import { inverseCholeskyUpper } from "@llm-labs/tensor";
import { affineParams, checkBits, checkFinite, quantizeValue, uintN, type IntType } from "./quantize.ts";
import { checkGroup, type Int4Weight } from "./int4.ts";

// Algorithm 1, with groups. W is our [K, N] (the paper's Wᵀ); Q.q is [N, K] as MatMulNBits stores it.
export function gptqQuantize(
  w: ArrayLike<number>,
  K: number,
  N: number,
  H: Float64Array,
  groupSize: number,
  bits = 4,
  B = 128, // rows per block (the paper's B, for the lazy batch updates); B = K is the plain loop
): Int4Weight {
  if (!Number.isInteger(B) || B < 1)
    throw new UserError(`gptqQuantize: lazy batch must be a positive integer, got ${B}`);
  checkBits(bits);
  checkGroup(K, groupSize);
  checkFinite(w, "gptqQuantize");
  const t = uintN(bits);
  const U = inverseCholeskyUpper(H, K); // [K, K] upper triangular, H⁻¹ = UᵀU
  const W = Float64Array.from(w); // [K, N], updated in place as the errors are fed forward
  const Q = emptyInt4(K, N, groupSize); // q [N, K]; scales, zeroPoints [N, K / groupSize]
  const E = new Float64Array(Math.min(B, K) * N); // [B, N]: row k − k0 holds row k's scaled error
  for (let k0 = 0; k0 < K; k0 += B) {
    const end = Math.min(k0 + B, K); // this block: rows k0 … end − 1
    for (let k = k0; k < end; k++) {
      if (k % groupSize === 0) groupParams(Q, W, k, t); // Q.scales, Q.zeroPoints [N] of the group from row k
      quantizeRow(Q, W, U, k, end, t, E.subarray((k - k0) * N, (k - k0 + 1) * N)); // Q.q[:, k], E[k − k0] [N]
    }
    lazyBatchUpdate(W, U, E, k0, end, K, N); // W[end:, :] [K − end, N] −= U[k0:end, end:]ᵀ · E
  }
  return Q;
}

// Int4Weight calls the group size blockSize, as MatMulNBits' block_size attribute does.
function emptyInt4(K: number, N: number, groupSize: number): Int4Weight {
  const G = K / groupSize; // groups per output n
  return {
    K,
    N,
    blockSize: groupSize,
    q: new Uint8Array(N * K),
    scales: new Float32Array(N * G),
    zeroPoints: new Uint8Array(N * G),
  };
}

// Group-wise grids: rows k … k + groupSize − 1 share one (scale, zero point) per output n, fixed
// when the group's first row k comes up, from those rows as they are then (already moved by the
// earlier rows' feedback; the rows past this block have not had this block's yet), as GPTQ's code does:
//   lo, hi = min, max of W[k … k + groupSize − 1, n]      (scale, zero point) = affineParams(lo, hi)
function groupParams(Q: Int4Weight, W: Float64Array, k: number, t: IntType): void {
  const { K, N, blockSize: groupSize } = Q;
  const G = K / groupSize;
  const g = k / groupSize;
  for (let n = 0; n < N; n++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = k; r < k + groupSize; r++) {
      lo = Math.min(lo, W[r * N + n]);
      hi = Math.max(hi, W[r * N + n]);
    }
    const p = affineParams(lo, hi, t);
    Q.scales[n * G + g] = p.scale;
    Q.zeroPoints[n * G + g] = p.zeroPoint;
  }
}

// Algorithm 1's inner loop body for row k (the paper's column j), in a block ending at `end`:
//   q[n]  = quant(W[k, n])                      with output n's grid of row k's group
//   e[n]  = (W[k, n] − dequant(q[n])) / U[k, k]  kept in err [N] for the lazy batch update
//   W[j, n] −= U[k, j] · e[n]   for k < j < end   the rest of the block; later blocks get it at once
function quantizeRow(
  Q: Int4Weight,
  W: Float64Array,
  U: Float64Array,
  k: number,
  end: number,
  t: IntType,
  err: Float64Array,
): void {
  const { K, N, blockSize: groupSize, q, scales, zeroPoints } = Q;
  const G = K / groupSize; // output n's grid for row k: scales[n · G + g], zeroPoints[n · G + g]
  const g = Math.floor(k / groupSize);
  // #region exercise gptq-column-update
  const d = U[k * K + k];
  for (let n = 0; n < N; n++) {
    const p = { scale: scales[n * G + g], zeroPoint: zeroPoints[n * G + g] };
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
}

// Lazy batch update (the paper's Step 2): once rows k0 … end − 1 are quantized, every later row
// gets the block's errors E [end − k0, N] at once:
//   W[j, n] −= Σ_{k = k0}^{end − 1} U[k, j] · E[k − k0, n]      for j ≥ end
function lazyBatchUpdate(
  W: Float64Array,
  U: Float64Array,
  E: Float64Array,
  k0: number,
  end: number,
  K: number,
  N: number,
): void {
  for (let j = end; j < K; j++)
    for (let k = k0; k < end; k++) {
      const u = U[k * K + j];
      if (u === 0) continue;
      const e = E.subarray((k - k0) * N, (k - k0 + 1) * N);
      for (let n = 0; n < N; n++) W[j * N + n] -= u * e[n];
    }
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
