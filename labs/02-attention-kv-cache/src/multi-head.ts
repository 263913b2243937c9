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

// One head's keys and values, [Tk, d] each.
export type HeadKV = (h: number) => { k: Float32Array; v: Float32Array };

// The heads' attention: head h's queries are columns h·d … (h+1)·d of q [Tq, C];
// they attend to that head's keys and values from `kv` ([Tk, d] each; the new
// queries are the last Tq of the Tk positions), and its [Tq, d] output goes back
// into the same columns. Returns the concatenated heads [Tq, C], before c_proj.
// `probs[h]`, when given ([Tq, Tk] each), receives head h's weights.
export function attendEachHead(
  q: Float32Array,
  kv: HeadKV,
  Tq: number,
  Tk: number,
  C: number,
  H: number,
  probs?: Float32Array[],
): Float32Array {
  const d = headDimOf(C, H);
  const heads = new Float32Array(Tq * C);
  const mask = causalMask(Tq, Tk);
  // #region exercise multi-head
  for (let h = 0; h < H; h++) {
    const { k, v } = kv(h);
    const o = scaledDotProductAttention(columns(q, Tq, C, h * d, d), k, v, Tq, Tk, d, mask, probs?.[h]);
    for (let t = 0; t < Tq; t++) heads.set(o.subarray(t * d, (t + 1) * d), t * C + h * d);
  }
  // #endregion
  return heads;
}

// The heads' attention of a whole sequence given qkv [T, 3C] = [q | k | v]:
// head h's keys and values are columns C + h·d … and 2C + h·d … of it.
export function attendHeads(
  qkv: Float32Array,
  T: number,
  C: number,
  H: number,
  probs?: Float32Array[],
): Float32Array {
  const d = headDimOf(C, H);
  const ofHead: HeadKV = (h) => ({
    k: columns(qkv, T, 3 * C, C + h * d, d),
    v: columns(qkv, T, 3 * C, 2 * C + h * d, d),
  });
  return attendEachHead(columns(qkv, T, 3 * C, 0, C), ofHead, T, T, C, H, probs);
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
