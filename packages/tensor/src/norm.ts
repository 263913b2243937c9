// Normalisation layers, over the last axis (one token's feature vector of size D).
// Sums are taken in float64 (JavaScript numbers) and rounded to float32 once at the end.

import { formatShape, rowsAndCols } from "./tensor.ts";
import type { Tensor } from "./tensor.ts";

function checkParam(p: Tensor, cols: number, name: string, where: string): void {
  if (p.shape.length !== 1 || p.shape[0] !== cols) {
    throw new Error(
      `${where}: ${name} must have shape [${cols}] (the last axis of x), got ${formatShape(p.shape)}`,
    );
  }
}

// LayerNorm (Ba, Kiros & Hinton 2016, arXiv 1607.06450), as in GPT-2:
//
//   μ  = (1/D) Σ_i x_i
//   σ² = (1/D) Σ_i (x_i - μ)²                  (the biased variance, no 1/(D-1))
//   y_i = (x_i - μ) / sqrt(σ² + ε) · γ_i + β_i
//
// ε keeps the division finite for a constant row (σ² = 0). Same definition as
// ONNX LayerNormalization (opset 17) with axis = -1.
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const { rows, cols } = rowsAndCols(x, "layerNorm");
  checkParam(gamma, cols, "gamma", "layerNorm");
  checkParam(beta, cols, "beta", "layerNorm");
  const y = new Float32Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    for (let i = 0; i < cols; i++) mean += x.data[o + i];
    mean /= cols;
    // Two passes (mean first, then squared deviations): the one-pass formula
    // E[x²] - E[x]² cancels catastrophically when |μ| is large compared to σ.
    let variance = 0;
    for (let i = 0; i < cols; i++) {
      const d = x.data[o + i] - mean;
      variance += d * d;
    }
    variance /= cols;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < cols; i++) {
      y[o + i] = (x.data[o + i] - mean) * inv * gamma.data[i] + beta.data[i];
    }
  }
  return { data: y, shape: [...x.shape] };
}

// RMSNorm (Zhang & Sennrich 2019, arXiv 1910.07467), as in LLaMA: LayerNorm
// without the mean subtraction and without β, which is cheaper and works as well.
//
//   rms = sqrt((1/D) Σ_i x_i² + ε)
//   y_i = x_i / rms · γ_i
//
// Same definition as ONNX RMSNormalization (opset 23) with axis = -1.
export function rmsNorm(x: Tensor, gamma: Tensor, eps = 1e-5): Tensor {
  const { rows, cols } = rowsAndCols(x, "rmsNorm");
  checkParam(gamma, cols, "gamma", "rmsNorm");
  const y = new Float32Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let sumSq = 0;
    for (let i = 0; i < cols; i++) sumSq += x.data[o + i] * x.data[o + i];
    const inv = 1 / Math.sqrt(sumSq / cols + eps);
    for (let i = 0; i < cols; i++) y[o + i] = x.data[o + i] * inv * gamma.data[i];
  }
  return { data: y, shape: [...x.shape] };
}
