// Packing NF4 codes for ONNX Runtime's com.microsoft.MatMulBnb4 (quant_type 1 =
// NF4; the bitsandbytes layout). From the contrib operator spec and its CPU
// kernel (onnxruntime/contrib_ops/cpu/quantization/matmul_bnb4.cc,
// blockwise_quant_block_bnb4.h):
//
//   Y[M, N] = A[M, K] · dequant(B)ᵀ       B: uint8 [(N·K + 1)/2], the codes of a [N, K] matrix, flat
//   absmax: float [ceil(N·K / block_size)] one per block of block_size consecutive codes
//   byte i = code[2i] << 4 | code[2i + 1]      the FIRST code in the HIGH nibble
//
// The high-nibble-first order is the opposite of MatMulNBits (lab 04's pack-int4),
// and the weight is transposed ([N, K], one output channel per row): the two
// mistakes the tests are there to catch.

import { UserError } from "@llm-labs/kit";

export function packBnb4(codes: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  // #region exercise pack-bnb4
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!Number.isInteger(c) || c < 0 || c > 15)
      throw new UserError(`packBnb4: ${c} at ${i} is not a 4-bit code`);
    out[i >> 1] = out[i >> 1] | (i % 2 === 0 ? c << 4 : c);
  }
  // #endregion
  return out;
}

export function unpackBnb4(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = i % 2 === 0 ? bytes[i >> 1] >> 4 : bytes[i >> 1] & 0x0f;
  return out;
}
