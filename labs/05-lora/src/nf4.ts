// 4-bit NormalFloat (NF4), QLoRA's storage type for the frozen base
// (Dettmers et al. 2023, "QLoRA: Efficient Finetuning of Quantized LLMs", §3).
//
// Trained weights are roughly normal around 0. Cut each block of 64 weights by
// its absmax, so it lies in [−1, 1], and give the 16 codes the values that split
// a normal distribution into equally likely pieces — quantiles of N(0, 1),
// rescaled to [−1, 1]. Then every code is used about equally often, which is
// what an information-theoretically good 4-bit code should do (a uniform INT4
// grid wastes its outer codes on the rare tails). QLoRA makes the code
// asymmetric so that 0 is exactly representable: 7 negative values, 0, 8 positive.
// The 16 values (the paper's Appendix E; the same numbers as ONNX Runtime's
// nf4 map in blockwise_quant_block_bnb4.h, and test/nf4.test.ts rebuilds them
// from normal quantiles):

import { UserError } from "@llm-labs/kit";

export const NF4 = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);

// Blockwise absmax quantization of a flat tensor (the paper's block size is 64):
//
//   absmax_b = max_{i ∈ b} |x_i|           code_i = argmin_c |x_i / absmax_b − NF4[c]|
//   x̂_i = NF4[code_i] · absmax_b
//
// A tie between two codes goes to the lower one (ONNX Runtime's quantizer
// compares with a strict >); an all-zero block has absmax 0 and every code 7 (0.0).
export interface Nf4Tensor {
  blockSize: number;
  codes: Uint8Array; // one 4-bit code (0 … 15) per value, unpacked
  absmax: Float32Array; // one per block: ceil(n / blockSize)
}

export function checkBlockSize(blockSize: number): void {
  if (![16, 32, 64, 128, 256].includes(blockSize))
    throw new UserError(
      `NF4 block size must be 16, 32, 64, 128 or 256 (what MatMulBnb4 supports), got ${blockSize}`,
    );
}

// Index of the code nearest to v (v in [−1, 1]).
export function nearestNf4(v: number): number {
  let best = 0;
  for (let c = 1; c < 16; c++) if (Math.abs(v - NF4[c]) < Math.abs(v - NF4[best])) best = c;
  return best;
}

export function quantizeNf4(x: ArrayLike<number>, blockSize = 64): Nf4Tensor {
  checkBlockSize(blockSize);
  const n = x.length;
  const nb = Math.ceil(n / blockSize);
  const codes = new Uint8Array(n);
  const absmax = new Float32Array(nb);
  // #region exercise nf4-quantize
  for (let b = 0; b < nb; b++) {
    const lo = b * blockSize;
    const hi = Math.min(n, lo + blockSize);
    let m = 0;
    for (let i = lo; i < hi; i++) {
      if (!Number.isFinite(x[i])) throw new UserError(`quantizeNf4: value ${x[i]} at ${i} is not finite`);
      m = Math.max(m, Math.abs(x[i]));
    }
    absmax[b] = m;
    const inv = m === 0 ? 0 : 1 / Math.fround(m);
    for (let i = lo; i < hi; i++) codes[i] = nearestNf4(x[i] * inv);
  }
  // #endregion
  return { blockSize, codes, absmax };
}

// x̂ = NF4[code] · absmax, in float32 as ORT does. `absmax` may be the double-dequantized scales.
export function dequantizeNf4(q: Nf4Tensor, absmax: Float32Array = q.absmax): Float32Array {
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.fround(NF4[q.codes[i]] * absmax[Math.floor(i / q.blockSize)]);
  return out;
}

// Our Conv1D weight is W[K = in, N = out]; bitsandbytes (and MatMulBnb4) store
// B = Wᵀ [N, K], quantized flat, so block b covers 64 consecutive k of one
// output column n (when 64 divides K). Returns the NF4 tensor of Wᵀ.
export function quantizeNf4Linear(W: ArrayLike<number>, K: number, N: number, blockSize = 64): Nf4Tensor {
  if (W.length !== K * N)
    throw new UserError(`quantizeNf4Linear: W has ${W.length} values, [${K}, ${N}] needs ${K * N}`);
  const Wt = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) Wt[n * K + k] = W[k * N + n];
  return quantizeNf4(Wt, blockSize);
}

// Back to W[K, N].
export function dequantizeNf4Linear(
  q: Nf4Tensor,
  K: number,
  N: number,
  absmax: Float32Array = q.absmax,
): Float32Array {
  const Wt = dequantizeNf4(q, absmax);
  const W = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) W[k * N + n] = Wt[n * K + k];
  return W;
}
