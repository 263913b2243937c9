// Softmax turns a row of scores (logits) into probabilities, over the last axis.
//
//   softmax(x)_i = exp(x_i) / Σ_j exp(x_j)
//
// Computed as written it overflows: float32 exp(x) is Infinity for x > ~88.7
// (e^88.7 ≈ 3.4e38, the largest float32), and Infinity / Infinity is NaN.
// Subtracting the row maximum m changes nothing mathematically (the factor
// exp(-m) cancels between numerator and denominator) but makes every exponent
// ≤ 0, so every exp is in (0, 1] and the sum is in [1, cols]:
//
//   softmax(x)_i = exp(x_i - m) / Σ_j exp(x_j - m),   m = max_j x_j

import { rowsAndCols } from "./tensor.ts";
import type { Tensor } from "./tensor.ts";

export function softmax(x: Tensor): Tensor {
  const { rows, cols } = rowsAndCols(x, "softmax");
  const y = new Float32Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let i = 0; i < cols; i++) m = Math.max(m, x.data[o + i]);
    let sum = 0;
    for (let i = 0; i < cols; i++) {
      const e = Math.exp(x.data[o + i] - m);
      y[o + i] = e;
      sum += e;
    }
    for (let i = 0; i < cols; i++) y[o + i] = y[o + i] / sum;
  }
  return { data: y, shape: [...x.shape] };
}

// log softmax, for cross-entropy and log-probabilities. Taking log(softmax(x))
// would turn tiny probabilities (underflowed to 0) into -Infinity; instead
//
//   log softmax(x)_i = x_i - m - log Σ_j exp(x_j - m),   m = max_j x_j
//
// which stays finite for any finite logits.
export function logSoftmax(x: Tensor): Tensor {
  const { rows, cols } = rowsAndCols(x, "logSoftmax");
  const y = new Float32Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let i = 0; i < cols; i++) m = Math.max(m, x.data[o + i]);
    let sum = 0;
    for (let i = 0; i < cols; i++) sum += Math.exp(x.data[o + i] - m);
    const logSum = Math.log(sum);
    for (let i = 0; i < cols; i++) y[o + i] = x.data[o + i] - m - logSum;
  }
  return { data: y, shape: [...x.shape] };
}
