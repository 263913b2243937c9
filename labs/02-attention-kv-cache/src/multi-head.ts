// Multi-head attention (Vaswani et al. 2017, §3.2.2), as GPT-2 wires it:
//
//   [Q | K | V] = x · W_attn + b_attn               c_attn: one [C, 3C] matmul for all three
//   head_h      = Attention(Q_h, K_h, V_h)           Q_h = columns h·d … (h+1)·d of Q, d = C / H
//   out         = concat(head_1 … head_H) · W_proj + b_proj
//
// H small attentions, each in its own d-dimensional subspace, instead of one wide
// one: each head can attend to a different position for a different reason.
// The projections are the specimen's (linearForward from @llm-labs/model); the
// attention is ours. `x` is the block's input after ln_1.

import { linearForward, type Block } from "@llm-labs/model";
import { causalMask, scaledDotProductAttention } from "./attention.ts";

// Columns [offset, offset + d) of every row of a [T, stride] matrix, as a [T, d] matrix.
export function columns(x: Float32Array, T: number, stride: number, offset: number, d: number): Float32Array {
  const out = new Float32Array(T * d);
  for (let t = 0; t < T; t++) out.set(x.subarray(t * stride + offset, t * stride + offset + d), t * d);
  return out;
}

export function headDimOf(C: number, H: number): number {
  if (!Number.isInteger(H) || H <= 0 || C % H !== 0) {
    throw new Error(
      `${H} heads do not divide the model width ${C}: each head needs C / H dimensions (try one of ${divisors(C).join(", ")})`,
    );
  }
  return C / H;
}
const divisors = (n: number) =>
  Array.from({ length: n }, (_, i) => i + 1).filter((i) => n % i === 0 && i <= 64);

// The heads' attention given qkv [T, 3C]; returns the concatenated heads [T, C]
// (before c_proj). `probs[h]`, when given ([T, T] each), receives head h's weights.
export function attendHeads(
  qkv: Float32Array,
  T: number,
  C: number,
  H: number,
  probs?: Float32Array[],
): Float32Array {
  const d = headDimOf(C, H);
  const heads = new Float32Array(T * C);
  const mask = causalMask(T, T);
  // #region exercise multi-head
  // hint: head h reads columns h·d … (h+1)·d of the q, k and v parts of qkv (offsets 0, C and 2C)
  // hint: write its [T, d] output back into columns h·d … (h+1)·d of `heads`
  for (let h = 0; h < H; h++) {
    const q = columns(qkv, T, 3 * C, h * d, d);
    const k = columns(qkv, T, 3 * C, C + h * d, d);
    const v = columns(qkv, T, 3 * C, 2 * C + h * d, d);
    const o = scaledDotProductAttention(q, k, v, T, T, d, mask, probs?.[h]);
    for (let t = 0; t < T; t++) heads.set(o.subarray(t * d, (t + 1) * d), t * C + h * d);
  }
  // #endregion
  return heads;
}

// The whole attention sublayer of one block: x [T, C] (after ln_1) → [T, C] (after c_proj).
export function multiHeadAttention(
  x: Float32Array,
  w: Block,
  T: number,
  C: number,
  H: number,
  probs?: Float32Array[],
): Float32Array {
  const qkv = new Float32Array(T * 3 * C);
  linearForward(qkv, x, w.c_attn.weight, w.c_attn.bias, T, C, 3 * C);
  const heads = attendHeads(qkv, T, C, H, probs);
  const out = new Float32Array(T * C);
  linearForward(out, heads, w.attn_c_proj.weight, w.attn_c_proj.bias, T, C, C);
  return out;
}
