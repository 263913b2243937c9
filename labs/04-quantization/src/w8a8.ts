// W8A8 in the whole model: every linear layer with int8 weights (per output
// channel, absmax) AND int8 activations (per token, absmax, computed at run time),
// as in int8-linear.ts. For perplexity we use "fake quantization": x and W are
// rounded to their int8 grids and multiplied back in float32, which gives the
// same numbers as the int32 path up to float rounding of the sum (the tests check
// this against int8Linear) and runs at the speed of the float matmul.
//
// LLM.int8() (Dettmers et al. 2022, §3.2): columns of X that hold an outlier
// (some |x[t, j]| > threshold, 6.0 in the paper) are taken out; their part of the
// product, X[:, O]·W[O, :], runs in float, the rest in int8:
//
//   Y = X[:, O]·W[O, :]  +  s_x ⊗ s_w ⊙ (X_q[:, Ō]·W_q[Ō, :])
//
// so one huge activation no longer stretches the per-token scale of its whole row.

import { matmulAccumulate } from "@llm-labs/tensor";
import { INT8, quantizeValue, symmetricParams } from "./quantize.ts";
import type { LinearHook } from "@llm-labs/model";

// Columns j of x[T, K] with max_t |x[t, j]| > threshold.
export function outlierColumns(x: ArrayLike<number>, T: number, K: number, threshold: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < K; j++) {
    let m = 0;
    for (let t = 0; t < T; t++) m = Math.max(m, Math.abs(x[t * K + j]));
    if (m > threshold) out.push(j);
  }
  return out;
}

// Round each row of x[T, K] to its own symmetric int8 grid and back (columns in `skip` left at 0).
export function fakeQuantRows(x: ArrayLike<number>, T: number, K: number, skip?: Set<number>): Float32Array {
  const out = new Float32Array(T * K);
  for (let t = 0; t < T; t++) {
    let amax = 0;
    for (let j = 0; j < K; j++) if (!skip?.has(j)) amax = Math.max(amax, Math.abs(x[t * K + j]));
    const p = symmetricParams(amax, INT8);
    for (let j = 0; j < K; j++)
      if (!skip?.has(j)) out[t * K + j] = quantizeValue(x[t * K + j], p, INT8) * p.scale;
  }
  return out;
}

// Each column of w[K, N] to its own symmetric int8 grid and back.
export function fakeQuantColumns(w: ArrayLike<number>, K: number, N: number): Float32Array {
  const out = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    let amax = 0;
    for (let k = 0; k < K; k++) amax = Math.max(amax, Math.abs(w[k * N + n]));
    const p = symmetricParams(amax, INT8);
    for (let k = 0; k < K; k++) out[k * N + n] = quantizeValue(w[k * N + n], p, INT8) * p.scale;
  }
  return out;
}

// y = x·W + b with W8A8; columns of x over `threshold` (LLM.int8()) kept in float.
export function w8a8Matmul(
  x: Float32Array,
  T: number,
  K: number,
  N: number,
  w: Float32Array,
  wq: Float32Array,
  threshold = Infinity,
): Float32Array {
  const O = new Set(threshold === Infinity ? [] : outlierColumns(x, T, K, threshold));
  const xq = fakeQuantRows(x, T, K, O);
  for (const j of O) for (let t = 0; t < T; t++) xq[t * K + j] = x[t * K + j]; // the float part
  // the outlier rows of W stay float too: W_mixed = W_q except rows O = W
  let wMixed = wq;
  if (O.size > 0) {
    wMixed = Float32Array.from(wq);
    for (const j of O) wMixed.set(w.subarray(j * N, (j + 1) * N), j * N);
  }
  const y = new Float32Array(T * N);
  matmulAccumulate(y, xq, wMixed, T, K, N);
  return y;
}

// A LinearHook for forwardWithLinears / perplexityWith. Weights are rounded once per layer.
export function w8a8Linear(threshold = Infinity): LinearHook {
  const cache = new Map<string, { w: Float32Array; wq: Float32Array }>();
  return (layer, name, x, T, K, N, W) => {
    const key = `${layer}.${name}`;
    const w = W.weight as Float32Array;
    const b = W.bias;
    let c = cache.get(key);
    if (!c || c.w !== w) cache.set(key, (c = { w, wq: fakeQuantColumns(w, K, N) }));
    const y = w8a8Matmul(x, T, K, N, w, c.wq, threshold);
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) y[t * N + n] += b[n];
    return y;
  };
}
