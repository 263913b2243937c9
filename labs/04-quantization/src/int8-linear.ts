// An INT8 linear layer: int8 × int8 products summed in int32.
//
// With per-token activation scales s_x[m] (dynamic: computed from each row as it
// arrives) and per-output-channel weight scales s_w[n] (static), both symmetric:
//
//   Y[m, n] = Σ_k X[m, k] · W[k, n]
//           ≈ Σ_k s_x[m]·x_q[m, k] · s_w[n]·w_q[k, n]
//           = s_x[m] · s_w[n] · Σ_k x_q[m, k] · w_q[k, n]     ← an integer matmul
//
// The scales factor out of the sum only because each is constant along k: a
// scale per row of X and per column of W is allowed, a scale per column of X is
// not (that is why LLM.int8() and SmoothQuant have to do something about
// activation outliers, which live in columns). Each product is < 2^14 and K of
// them fit in int32 for any K below 2^17; the hardware does exactly this.
//
// With zero points (ONNX MatMulInteger), the integer sum is Σ_k (a − z_a)(b − z_b[n]).

import { checkFinite, INT8, symmetricParams, quantizeValue } from "./quantize.ts";

export function int8Matmul(
  a: Int8Array,
  b: Int8Array,
  M: number,
  K: number,
  N: number,
  aZero = 0,
  bZero?: ArrayLike<number>,
): Int32Array {
  const out = new Int32Array(M * N);
  // #region exercise int8-matmul
  const bz = new Int32Array(N);
  if (bZero) bz.set(Array.from(bZero));
  for (let m = 0; m < M; m++) {
    const o = m * N;
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k] - aZero;
      if (av === 0) continue;
      const bo = k * N;
      for (let n = 0; n < N; n++) out[o + n] = (out[o + n] + av * (b[bo + n] - bz[n])) | 0;
    }
  }
  // #endregion
  return out;
}

// Symmetric int8 per row of x[M, K] (dynamic per-token activations).
export function quantizeRows(
  x: ArrayLike<number>,
  M: number,
  K: number,
): { q: Int8Array; scales: Float32Array } {
  checkFinite(x, "quantizeRows");
  const q = new Int8Array(M * K);
  const scales = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    let amax = 0;
    for (let k = 0; k < K; k++) amax = Math.max(amax, Math.abs(x[m * K + k]));
    const p = symmetricParams(amax, INT8);
    scales[m] = p.scale;
    for (let k = 0; k < K; k++) q[m * K + k] = quantizeValue(x[m * K + k], p, INT8);
  }
  return { q, scales };
}

// Symmetric int8 per column of w[K, N] (per-output-channel weights).
export function quantizeColumns(
  w: ArrayLike<number>,
  K: number,
  N: number,
): { q: Int8Array; scales: Float32Array } {
  checkFinite(w, "quantizeColumns");
  const q = new Int8Array(K * N);
  const scales = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let amax = 0;
    for (let k = 0; k < K; k++) amax = Math.max(amax, Math.abs(w[k * N + n]));
    const p = symmetricParams(amax, INT8);
    scales[n] = p.scale;
    for (let k = 0; k < K; k++) q[k * N + n] = quantizeValue(w[k * N + n], p, INT8);
  }
  return { q, scales };
}

// Y = X·W + b with X quantized per token on the fly and W per channel ahead of time.
export function int8Linear(
  x: ArrayLike<number>,
  w: { q: Int8Array; scales: Float32Array },
  bias: ArrayLike<number> | undefined,
  M: number,
  K: number,
  N: number,
): Float32Array {
  const xq = quantizeRows(x, M, K);
  const acc = int8Matmul(xq.q, w.q, M, K, N);
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++)
      y[m * N + n] = xq.scales[m] * w.scales[n] * acc[m * N + n] + (bias ? bias[n] : 0);
  return y;
}
