// Low-rank compensation (LoRC; ZeroQuant-V2, Yao et al. 2023, used again by
// ZeroQuant-FP, Wu et al. 2023): keep INT4 weights, and add back a rank-r
// approximation of what quantization lost.
//
//   Ŵ = dequant(quant(W))              lab 04's round-to-nearest INT4, group-wise
//   E = W − Ŵ                          the error, [K, N]
//   E ≈ E_r = A B                      truncated SVD of the error
//   W ≈ Ŵ + A B                        ‖W − Ŵ − E_r‖_F² = Σ_{i > r} σ_i(E)²
//
// The extra storage is r(K + N) numbers per layer; at r = 8 on a 128 × 384
// layer that is 4,096 next to 49,152 INT4 weights. E is close to noise, so its
// spectrum is flat and a small r recovers only a part of it: the test and the
// bench say how much.

import { dequantizeInt4, quantizeRtn } from "@llm-labs/lab-quantization";
import { lowRank, product, type LowRank } from "./low-rank.ts";

export interface Lorc {
  wq: Float32Array; // Ŵ [K, N]
  correction: LowRank; // E_r = A B
  merged: Float32Array; // Ŵ + A B [K, N], what the specimen loads
}

export function lorc(w: Float32Array, K: number, N: number, r: number, blockSize = 32, bits = 4): Lorc {
  const wq = dequantizeInt4(quantizeRtn(w, K, N, blockSize, bits));
  // #region exercise lorc
  const E = new Float64Array(K * N);
  for (let i = 0; i < K * N; i++) E[i] = w[i] - wq[i];
  const correction = lowRank(E, K, N, r);
  const merged = Float32Array.from(product(correction), (e, i) => wq[i] + e);
  // #endregion
  return { wq, correction, merged };
}
