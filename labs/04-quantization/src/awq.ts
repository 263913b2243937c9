// AWQ (Lin et al. 2023, "AWQ: Activation-aware Weight Quantization for LLM
// Compression and Acceleration", arXiv 2306.00978): a few input channels of a
// layer carry large activations, so the weights they multiply matter more.
// Instead of keeping them in float (mixed precision), scale them up before
// rounding and the activations down by the same factor:
//
//   y = X·W = (X·diag(s)⁻¹) · (diag(s)·W)            exact before rounding
//   Ŵ_AWQ = diag(s)⁻¹ · Q(diag(s)·W)                  what the layer computes after
//
// A weight row k multiplied by s_k > 1 gets a relatively finer grid (the group's
// scale grows less than the row does, when the group max sits elsewhere), so its
// rounding error, seen through x_k, shrinks. The scales come from the activations only:
//
//   s_j = mean_t |X[t, j]|^α,  normalised by √(max s · min s)
//
// and α ∈ {0, 1/n, …, (n−1)/n} is picked by grid search to minimise the layer's
// output error ‖X·W − X·Ŵ_AWQ‖² on calibration inputs (α = 0 is plain RTN, so the
// search can only help on those inputs). The diag(s)⁻¹ is folded into whatever
// produces X (fold.ts: the LayerNorm before c_attn and c_fc); AWQ's clipping
// search is left out here.

import { matmulAccumulate } from "@llm-labs/tensor";
import { checkFinite } from "./quantize.ts";
import { dequantizeInt4, quantizeRtn, type Int4Weight } from "./int4.ts";

// Per-input-channel scales for one α from calibration inputs x[T, K].
export function awqScales(x: ArrayLike<number>, T: number, K: number, alpha: number): Float32Array {
  const s = new Float32Array(K);
  // #region exercise awq-scale
  const mean = new Float64Array(K);
  for (let t = 0; t < T; t++) for (let j = 0; j < K; j++) mean[j] += Math.abs(x[t * K + j]) / T;
  let max = 0;
  let min = Infinity;
  for (let j = 0; j < K; j++) {
    s[j] = Math.max(mean[j] ** alpha, 1e-4);
    max = Math.max(max, s[j]);
    min = Math.min(min, s[j]);
  }
  const norm = Math.sqrt(max * min);
  for (let j = 0; j < K; j++) s[j] = s[j] / norm;
  // #endregion
  return s;
}

// diag(s)·W for W[K, N]: row k times s_k.
export function scaleRows(
  w: ArrayLike<number>,
  K: number,
  N: number,
  s: ArrayLike<number>,
  inverse = false,
): Float32Array {
  const out = new Float32Array(K * N);
  for (let k = 0; k < K; k++) {
    const f = inverse ? 1 / s[k] : s[k];
    for (let n = 0; n < N; n++) out[k * N + n] = w[k * N + n] * f;
  }
  return out;
}

export interface AwqResult {
  weight: Int4Weight; // Q(diag(s)·W): what is stored (and could be packed for MatMulNBits)
  s: Float32Array; // the input scales whose inverse is folded into the previous op
  alpha: number;
  errors: { alpha: number; mse: number }[]; // the grid search, output MSE on the calibration inputs
}

// The effective weight after rounding: diag(s)⁻¹ · dequant(Q(diag(s)·W)).
export const awqDequantize = (r: Pick<AwqResult, "weight" | "s">): Float32Array =>
  scaleRows(dequantizeInt4(r.weight), r.weight.K, r.weight.N, r.s, true);

export function awqQuantize(
  w: ArrayLike<number>,
  K: number,
  N: number,
  x: Float32Array,
  T: number,
  blockSize: number,
  bits = 4,
  grid = 20,
): AwqResult {
  checkFinite(w, "awqQuantize");
  const ref = new Float32Array(T * N);
  const y = new Float32Array(T * N);
  matmulAccumulate(ref, x, Float32Array.from(w), T, K, N);
  let best: AwqResult | undefined;
  let bestMse = Infinity;
  const errors: { alpha: number; mse: number }[] = [];
  for (let i = 0; i < grid; i++) {
    const alpha = i / grid;
    const s = awqScales(x, T, K, alpha);
    const weight = quantizeRtn(scaleRows(w, K, N, s), K, N, blockSize, bits);
    y.fill(0);
    matmulAccumulate(y, x, awqDequantize({ weight, s }), T, K, N);
    let se = 0;
    for (let j = 0; j < y.length; j++) se += (y[j] - ref[j]) ** 2;
    const mse = se / y.length;
    errors.push({ alpha, mse });
    if (mse < bestMse) {
      bestMse = mse;
      best = { weight, s, alpha, errors };
    }
  }
  return best!;
}
