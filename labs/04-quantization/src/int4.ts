// INT4 weights, group-wise, packed two per byte in ONNX Runtime's MatMulNBits layout.
//
// MatMulNBits (com.microsoft) computes Y[M, N] = A[M, K] · dequant(B)ᵀ where B is
// stored per output channel n, in blocks of `block_size` consecutive k:
//   B           uint8 [N, n_blocks, block_size/2]  two 4-bit values per byte,
//               element 2i in the LOW nibble, element 2i+1 in the high nibble
//   scales      float [N · n_blocks]
//   zero_points uint8 [N · ceil(n_blocks/2)]       packed the same way (absent: 8)
//   w[k, n] = (q − z) · s   for the block of k in column n
// Our Conv1D weight is W[K = in, N = out], so a block is a run of B values down
// one column of W. Round-to-nearest (RTN) with an affine uint4 grid [0, 15] per
// block; 4 bits per weight + a float32 scale and a 4-bit zero point per block:
//   bits per weight = 4 + (32 + 4) / B   (g128: 4.28, g32: 5.13)

import { UserError } from "@llm-labs/kit";
import { affineParams, checkBits, checkFinite, quantizeValue, uintN } from "./quantize.ts";

export interface Int4Weight {
  K: number;
  N: number;
  blockSize: number;
  q: Uint8Array; // [N, K] unpacked values 0 … 15 (column n of W is row n here)
  scales: Float32Array; // [N · nBlocks]
  zeroPoints: Uint8Array; // [N · nBlocks], unpacked
}

export function checkGroup(K: number, blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 2 || blockSize % 2 !== 0)
    throw new UserError(`block size must be an even integer ≥ 2, got ${blockSize}`);
  if (K % blockSize !== 0)
    throw new UserError(`block size ${blockSize} does not divide the input width ${K}`);
}

// Round to nearest, group-wise, along k for each output column of w[K, N].
export function quantizeRtn(
  w: ArrayLike<number>,
  K: number,
  N: number,
  blockSize: number,
  bits = 4,
): Int4Weight {
  checkBits(bits);
  checkGroup(K, blockSize);
  checkFinite(w, "quantizeRtn");
  const t = uintN(bits);
  const nb = K / blockSize;
  const q = new Uint8Array(N * K);
  const scales = new Float32Array(N * nb);
  const zeroPoints = new Uint8Array(N * nb);
  for (let n = 0; n < N; n++)
    for (let b = 0; b < nb; b++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = b * blockSize; k < (b + 1) * blockSize; k++) {
        lo = Math.min(lo, w[k * N + n]);
        hi = Math.max(hi, w[k * N + n]);
      }
      const p = affineParams(lo, hi, t);
      scales[n * nb + b] = p.scale;
      zeroPoints[n * nb + b] = p.zeroPoint;
      for (let k = b * blockSize; k < (b + 1) * blockSize; k++)
        q[n * K + k] = quantizeValue(w[k * N + n], p, t);
    }
  return { K, N, blockSize, q, scales, zeroPoints };
}

// Two 4-bit values per byte, the first in the low nibble: [v0, v1, v2] → [v0 | v1 << 4, v2].
export function packNibbles(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  // #region exercise pack-int4
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v > 15 || !Number.isInteger(v))
      throw new Error(`packNibbles: ${v} at ${i} is not a 4-bit value`);
    out[i >> 1] = out[i >> 1] | (i % 2 === 0 ? v : v << 4);
  }
  // #endregion
  return out;
}

export function unpackNibbles(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = i % 2 === 0 ? bytes[i >> 1] & 0x0f : bytes[i >> 1] >> 4;
  return out;
}

// The three initializers MatMulNBits wants. Each row n of q is K values = nBlocks
// whole blocks, so packing the rows back to back gives [N, nBlocks, blockSize/2];
// zero points are packed per row n, ceil(nBlocks/2) bytes each.
export function toMatMulNBits(w: Int4Weight): {
  B: Uint8Array;
  scales: Float32Array;
  zeroPoints: Uint8Array;
} {
  const nb = w.K / w.blockSize;
  const zBytes = Math.ceil(nb / 2);
  const zeroPoints = new Uint8Array(w.N * zBytes);
  for (let n = 0; n < w.N; n++)
    zeroPoints.set(packNibbles(w.zeroPoints.subarray(n * nb, (n + 1) * nb)), n * zBytes);
  return { B: packNibbles(w.q), scales: w.scales, zeroPoints };
}

// Back to a float W[K, N]: w[k, n] = (q − z) · s.
export function dequantizeInt4(w: Int4Weight): Float32Array {
  const out = new Float32Array(w.K * w.N);
  const nb = w.K / w.blockSize;
  for (let n = 0; n < w.N; n++)
    for (let k = 0; k < w.K; k++) {
      const g = n * nb + Math.floor(k / w.blockSize);
      out[k * w.N + n] = Math.fround((w.q[n * w.K + k] - w.zeroPoints[g]) * w.scales[g]);
    }
  return out;
}

// Bytes of the packed weight, its scales (float32) and packed zero points.
export function int4Bytes(K: number, N: number, blockSize: number): number {
  const nb = K / blockSize;
  return (N * K) / 2 + N * nb * 4 + N * Math.ceil(nb / 2);
}
