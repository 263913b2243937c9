// SmoothQuant (Xiao et al. 2022, "SmoothQuant: Accurate and Efficient
// Post-Training Quantization for Large Language Models", arXiv 2211.10438, §4).
//
// Activation outliers live in a few input channels j, for every token, so a
// per-token scale cannot isolate them — and a per-channel scale on X would not
// factor out of the int8 matmul (int8-linear.ts). Weights are easy to quantize.
// So move part of the difficulty from X into W with a per-channel scale s:
//
//   Y = (X·diag(s)⁻¹) · (diag(s)·W),     s_j = max|X_j|^α / max|W_j|^(1−α)
//
// where max|X_j| is channel j's largest activation on calibration data and
// max|W_j| the largest weight in row j of W[K, N]. α = 0.5 splits the range evenly:
// afterwards max|X̂_j| = max|Ŵ_j| = √(max|X_j| · max|W_j|). α → 1 pushes all of
// it into the weights. s is folded into the LayerNorm before c_attn and c_fc
// (fold.ts); as in the paper's code, the two layers after attention and GELU are
// quantized W8A8 without smoothing (there is no affine op to fold into).

import type { GPT } from "@llm-labs/model";
import { foldInputScale } from "./fold.ts";

// max_t |x[t, j]| for each input channel j of x[T, K].
export function channelAbsMax(x: ArrayLike<number>, T: number, K: number): Float32Array {
  const m = new Float32Array(K);
  for (let t = 0; t < T; t++) for (let j = 0; j < K; j++) m[j] = Math.max(m[j], Math.abs(x[t * K + j]));
  return m;
}

export function smoothScales(
  xAbsMax: ArrayLike<number>,
  w: ArrayLike<number>,
  K: number,
  N: number,
  alpha: number,
): Float32Array {
  const s = new Float32Array(K);
  // #region exercise smoothquant-scale
  for (let j = 0; j < K; j++) {
    let wmax = 0;
    for (let n = 0; n < N; n++) wmax = Math.max(wmax, Math.abs(w[j * N + n]));
    s[j] = Math.max(xAbsMax[j], 1e-5) ** alpha / Math.max(wmax, 1e-5) ** (1 - alpha);
  }
  // #endregion
  return s;
}

// The smoothed model: c_attn and c_fc of every block with s folded into their LayerNorm.
// absMax: "layer.name" → max|X_j| of that layer's calibration inputs.
export function smoothModel(model: GPT, absMax: Map<string, Float32Array>, alpha: number): GPT {
  const C = model.config.n_embd;
  let m = model;
  for (let l = 0; l < model.config.n_layer; l++)
    for (const name of ["c_attn", "c_fc"] as const) {
      const w = m.params.h[l][name].weight;
      const N = name === "c_attn" ? 3 * C : 4 * C;
      m = foldInputScale(m, l, name, smoothScales(absMax.get(`${l}.${name}`)!, w, C, N, alpha));
    }
  return m;
}
