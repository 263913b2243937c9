// Elementwise activation functions of transformer MLPs.

import type { Tensor } from "./tensor.ts";

function map(x: Tensor, f: (v: number) => number): Tensor {
  const y = new Float32Array(x.data.length);
  for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
  return { data: y, shape: [...x.shape] };
}

// The error function, erf(x) = (2/√π) ∫_0^x exp(-t²) dt. JavaScript has no Math.erf.
//
// We use the series of Abramowitz & Stegun 7.1.6, whose terms are all positive
// (no cancellation, unlike the plain Taylor series):
//
//   erf(x) = (2/√π) · exp(-x²) · Σ_{n≥0} 2ⁿ x^(2n+1) / (1·3·5···(2n+1))
//
// term_0 = x, term_n = term_{n-1} · 2x² / (2n+1). Summed in float64 until the terms
// stop mattering, it is accurate to ~1e-15, far below float32's 6e-8. (The popular
// 5-constant formula A&S 7.1.26 is shorter but only good to 1.5e-7.)
// For |x| ≥ 6, 1 - erf(|x|) < 2.2e-17 is below float64 resolution, so erf = ±1,
// which also bounds the loop at about 150 terms.
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 6) return 1;
  if (x <= -6) return -1;
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

// GELU (Hendrycks & Gimpel 2016, arXiv 1606.08415): x weighted by the
// probability that a standard normal variable is below x.
//
//   GELU(x) = x · Φ(x) = 0.5 · x · (1 + erf(x / √2))
//
// ONNX Gelu (opset 20) with approximate = "none".
export function gelu(x: Tensor): Tensor {
  return map(x, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
}

// The tanh approximation from the same paper, used by GPT-2 ("gelu_new"):
//
//   GELU(x) ≈ 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
//
// ONNX Gelu (opset 20) with approximate = "tanh".
export function geluTanh(x: Tensor): Tensor {
  const c = Math.sqrt(2 / Math.PI);
  return map(x, (v) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v))));
}

// σ(x) = 1 / (1 + exp(-x)).
// For very negative x, exp(-x) overflows to Infinity and 1/Infinity = 0, which is
// the right limit, so no special case is needed.
export function sigmoid(x: Tensor): Tensor {
  return map(x, (v) => 1 / (1 + Math.exp(-v)));
}

// SiLU, a.k.a. Swish (Elfwing et al. 2017, arXiv 1702.03118; Ramachandran et al.
// 2017, arXiv 1710.05941), the activation inside LLaMA's SwiGLU MLP:
//
//   SiLU(x) = x · σ(x)
export function silu(x: Tensor): Tensor {
  return map(x, (v) => v / (1 + Math.exp(-v)));
}
