// Compressed Sparse Row (CSR): store only the nonzeros of W[K, N], row by row.
//
//   values[nnz]     the nonzero weights, row 0's first, then row 1's, …
//   colIdx[nnz]     the column of each value (uint16 here: N ≤ 65,536)
//   rowPtr[K + 1]   row k's values are values[rowPtr[k] … rowPtr[k+1])
//
// Bytes: 4·nnz + 2·nnz + 4·(K + 1) against 4·K·N dense. At 50% sparsity that is
// 3 bytes per original weight: only 25% saved, and with 32-bit indices
// (scipy's default) nothing at all. CSR pays off around 90%.
//
// The product Y[M, N] = X[M, K] · W walks each row k of W once per input row m:
//   Y[m, :] += X[m, k] · W[k, :]   →   for each stored (k, c, v):  Y[m, c] += X[m, k] · v
// so the work is M·nnz multiply-adds instead of M·K·N, but every one of them
// goes through an index (a "scatter" into Y): that is what makes sparse kernels
// slower per operation than dense ones.

import { UserError } from "@llm-labs/kit";

export interface Csr {
  K: number; // rows (inputs)
  N: number; // columns (outputs)
  values: Float32Array;
  colIdx: Uint16Array;
  rowPtr: Int32Array;
}

export function toCsr(w: ArrayLike<number>, K: number, N: number): Csr {
  if (w.length !== K * N) throw new Error(`toCsr: expected K·N = ${K}·${N} weights, got ${w.length}`);
  if (N > 65536) throw new UserError(`toCsr: ${N} columns do not fit uint16 column indices (at most 65,536)`);
  let nnz = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) nnz++;
  const values = new Float32Array(nnz);
  const colIdx = new Uint16Array(nnz);
  const rowPtr = new Int32Array(K + 1);
  let p = 0;
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < N; c++) {
      const v = w[k * N + c];
      if (v !== 0) {
        values[p] = v;
        colIdx[p++] = c;
      }
    }
    rowPtr[k + 1] = p;
  }
  return { K, N, values, colIdx, rowPtr };
}

export function csrToDense(a: Csr): Float32Array {
  const w = new Float32Array(a.K * a.N);
  for (let k = 0; k < a.K; k++)
    for (let p = a.rowPtr[k]; p < a.rowPtr[k + 1]; p++) w[k * a.N + a.colIdx[p]] = a.values[p];
  return w;
}

export const csrBytes = (a: Csr): number => a.values.byteLength + a.colIdx.byteLength + a.rowPtr.byteLength;

// Y[M, N] = X[M, K] · W, W in CSR.
export function csrMatmul(x: ArrayLike<number>, M: number, a: Csr): Float32Array {
  const { K, N, values, colIdx, rowPtr } = a;
  if (x.length !== M * K) throw new Error(`csrMatmul: X must be [${M}, ${K}], got ${x.length} values`);
  const y = new Float32Array(M * N);
  // #region exercise csr-matmul
  for (let m = 0; m < M; m++) {
    const yo = m * N;
    const xo = m * K;
    for (let k = 0; k < K; k++) {
      const xv = x[xo + k];
      if (xv === 0) continue;
      for (let p = rowPtr[k], end = rowPtr[k + 1]; p < end; p++) y[yo + colIdx[p]] += xv * values[p];
    }
  }
  // #endregion
  return y;
}
