// Wanda, "Pruning by Weights and activations" (Sun et al. 2023, arXiv 2306.11695):
// a weight matters in proportion to its size AND to how large the input it
// multiplies usually is. With calibration inputs X[T, K] (T tokens):
//
//   S[k, n] = |W[k, n]| · ‖X[:, k]‖₂
//
// and the comparison is made per output: in each output column n, the p·K lowest
// S[k, n] are removed (the paper's "per output" comparison group; their §3 finds
// it clearly better than per layer for LLMs). No weight update, no Hessian: one
// pass over the calibration set for the norms, then a sort per output.
//
// Our Conv1D weight is W[K = in, N = out], so "an output" is a COLUMN of W here
// (the paper's nn.Linear stores [out, in], where it is a row).

import { UserError } from "@llm-labs/kit";
import { lowestMask } from "./magnitude.ts";
import { checkSparsity, type Mask } from "./mask.ts";

// ‖X[:, k]‖₂ for each input feature k of X[T, K].
export function inputNorms(x: ArrayLike<number>, T: number, K: number): Float64Array {
  if (T < 1)
    throw new UserError(
      "inputNorms: the calibration set is empty (0 tokens); Wanda needs activations to score weights",
    );
  if (x.length !== T * K) throw new Error(`inputNorms: expected T·K = ${T}·${K} values, got ${x.length}`);
  const s = new Float64Array(K);
  for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) s[k] += x[t * K + k] ** 2;
  for (let k = 0; k < K; k++) s[k] = Math.sqrt(s[k]);
  return s;
}

export function wandaScores(
  w: ArrayLike<number>,
  K: number,
  N: number,
  xNorm: ArrayLike<number>,
): Float64Array {
  if (xNorm.length !== K)
    throw new Error(`wandaScores: ${xNorm.length} input norms for a weight with ${K} inputs`);
  const s = new Float64Array(K * N);
  // #region exercise wanda-score
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) s[k * N + n] = Math.abs(w[k * N + n]) * xNorm[k];
  // #endregion
  return s;
}

// Per output: in each column n of S[K, N], remove the floor(p·K) lowest scores.
export function perOutputMask(scores: ArrayLike<number>, K: number, N: number, p: number): Mask {
  checkSparsity(p, "perOutputMask");
  const keep = new Uint8Array(K * N);
  // #region exercise wanda-score
  const col = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) col[k] = scores[k * N + n];
    const m = lowestMask(col, p);
    for (let k = 0; k < K; k++) keep[k * N + n] = m[k];
  }
  // #endregion
  return keep;
}

export function wandaMask(
  w: ArrayLike<number>,
  K: number,
  N: number,
  xNorm: ArrayLike<number>,
  p: number,
): Mask {
  return perOutputMask(wandaScores(w, K, N, xNorm), K, N, p);
}
