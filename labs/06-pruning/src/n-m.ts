// N:M semi-structured sparsity: in every group of M consecutive weights along the
// INPUT dimension, at most N are nonzero. 2:4 is what NVIDIA's Ampere sparse
// tensor cores run at twice the dense speed (Mishra et al. 2021, arXiv 2104.08378):
// the hardware stores the 2 kept values and a 2-bit position for each
// (two-four.ts), and a dot product of length 4 becomes one of length 2.
//
// Groups run along the reduction (input) dimension because that is the dimension
// a dot product walks: for output n, inputs 4g … 4g+3 form group g. In our
// Conv1D layout W[K, N] a group is 4 consecutive ROWS of one column.
//
// Any score works (|W| for magnitude, |W|·‖X‖ for Wanda); SparseGPT picks its own
// inside its loop (sparsegpt.ts).

import { UserError } from "@llm-labs/kit";
import type { Mask } from "./mask.ts";

export function checkNM(n: number, m: number, K: number, where: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 1)
    throw new UserError(`${where}: N and M must be whole numbers with M ≥ 1, got ${n}:${m}`);
  if (n > m) throw new UserError(`${where}: N:M needs N ≤ M (keep N of every M weights), got ${n}:${m}`);
  if (K % m !== 0) throw new UserError(`${where}: the input dimension (${K}) must be a multiple of M = ${m}`);
}

// Keep the N highest scores of each group of M rows in every column.
export function nmMask(scores: ArrayLike<number>, K: number, N: number, n = 2, m = 4): Mask {
  checkNM(n, m, K, "nmMask");
  const keep = new Uint8Array(K * N);
  // #region exercise n-m-mask
  const rows = Array.from({ length: m }, (_, i) => i);
  for (let c = 0; c < N; c++)
    for (let g = 0; g < K; g += m) {
      rows.sort((a, b) => scores[(g + b) * N + c] - scores[(g + a) * N + c] || a - b);
      for (let i = 0; i < n; i++) keep[(g + rows[i]) * N + c] = 1;
    }
  // #endregion
  return keep;
}

// True when every group of M rows in every column has at most N nonzeros, and
// exactly N if `exact` (a dense trained weight is never exactly 0 by accident).
export function isNM(w: ArrayLike<number>, K: number, N: number, n = 2, m = 4, exact = true): boolean {
  for (let c = 0; c < N; c++)
    for (let g = 0; g < K; g += m) {
      let nz = 0;
      for (let i = 0; i < m; i++) if (w[(g + i) * N + c] !== 0) nz++;
      if (nz > n || (exact && nz !== n)) return false;
    }
  return true;
}
