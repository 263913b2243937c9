// Tensor parallelism (Megatron-LM, Shoeybi et al. 2019, §3): one transformer block's
// matrices split across N ranks, so each rank holds and multiplies 1/N of them.
//
// MLP, Y = GELU(X·A)·B with A [C, F], B [F, C]:
//   A by columns, A = [A_0 | A_1 | …]: rank r computes its own Z_r = GELU(X·A_r) [T, F/N].
//     GELU is element-wise, so it needs nothing from the other ranks ("column parallel").
//   B by rows, B = [B_0; B_1; …]: then Y = Σ_r Z_r·B_r ("row parallel"), one all-reduce.
// Attention, the same with heads: rank r takes H/N heads, i.e. those columns of W_q,
//   W_k, W_v (column parallel, each head is independent), and those rows of W_o (row
//   parallel), one all-reduce. LayerNorm, biases after the all-reduce and the
//   residual are cheap and replicated on every rank.
//
// So a block's forward costs two all-reduces of [T, C] (one per sublayer), and its
// backward two more: Megatron's f and g operators. Everything else is local.

import {
  KVCache,
  type Specimen,
  attentionForward,
  checkpointDir,
  geluForward,
  layerNormForward,
  linearForward,
  loadCheckpoint,
} from "@llm-labs/model";
import { allReduce } from "./collectives.ts";
import type { Comm } from "./comm.ts";

// Columns [c0, c0 + n) of a row-major [rows, cols] matrix: the slice a rank keeps.
export function columnSlice(
  W: ArrayLike<number>,
  rows: number,
  cols: number,
  c0: number,
  n: number,
): Float32Array {
  const out = new Float32Array(rows * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) out[i * n + j] = W[i * cols + c0 + j];
  return out;
}
// Rows [r0, r0 + n) of a row-major [rows, cols] matrix.
export function rowSlice(W: Float32Array, cols: number, r0: number, n: number): Float32Array {
  return W.slice(r0 * cols, (r0 + n) * cols);
}

// Rank r's part of the MLP: Y_r = GELU(X·A_r + a_r)·B_r, [T, C]; the caller all-reduces.
//   X [T, C], A [C, F] and a [F] (c_fc), B [F, C] (mlp_c_proj), all full; the rank slices its share.
export function mlpShard(
  comm: Comm,
  X: Float32Array,
  T: number,
  C: number,
  A: Float32Array,
  a: Float32Array,
  B: Float32Array,
): Float32Array {
  const F = a.length;
  const Fr = F / comm.size;
  const f0 = comm.rank * Fr;
  const Y = new Float32Array(T * C);
  // #region exercise column-row-parallel
  const Ar = columnSlice(A, C, F, f0, Fr); // [C, F/N]
  const Br = rowSlice(B, C, f0, Fr); // [F/N, C]
  const Z = new Float32Array(T * Fr);
  linearForward(Z, X, Ar, a.subarray(f0, f0 + Fr), T, C, Fr); // column parallel: X·A_r + a_r
  geluForward(Z, Z, T * Fr);
  linearForward(Y, Z, Br, new Float32Array(0), T, Fr, C); // row parallel: a partial sum of Y
  // #endregion
  return Y;
}

// Rank r's heads: causal attention over heads [h0, h0 + H/N), then those rows of W_o.
//   X [T, C] (after ln_1), W_qkv [C, 3C] and b_qkv [3C] (c_attn), W_o [C, C] (attn_c_proj).
export function attentionShard(
  comm: Comm,
  X: Float32Array,
  T: number,
  C: number,
  H: number,
  Wqkv: Float32Array,
  bqkv: Float32Array,
  Wo: Float32Array,
): Float32Array {
  const d = C / H;
  const Hr = H / comm.size;
  const c0 = comm.rank * Hr * d; // this rank's first column inside q (and inside k, v)
  const w = Hr * d;
  const proj = (part: number) => {
    const out = new Float32Array(T * w); // [T, H/N·d]
    const o = part * C + c0;
    linearForward(out, X, columnSlice(Wqkv, C, 3 * C, o, w), bqkv.subarray(o, o + w), T, C, w);
    return out;
  };
  const q = proj(0);
  const k = proj(1);
  const v = proj(2);
  // causal attention over this rank's H/N heads: the specimen's own, on a cache of just them
  const cache = new KVCache(1, Hr, d, T);
  cache.append(0, k, v, 1, T);
  const y = new Float32Array(T * w); // [T, H/N·d]
  attentionForward(y, q, cache, 0, 1, T, Hr);
  const out = new Float32Array(T * C);
  linearForward(out, y, rowSlice(Wo, C, c0, w), new Float32Array(0), T, w, C);
  return out;
}

export interface BlockInput {
  layer: number;
  x: Float32Array; // [T, C] the block's input (the residual stream)
  T: number;
}
export interface BlockOutput {
  y: Float32Array; // [T, C] the block's output
  allReduces: number; // how many all-reduces this rank took part in
  weightFloats: number; // the block's matrix entries this rank multiplied with
}

// One GPT-2 block of the trained target, tensor parallel over the world's ranks.
export async function tensorParallelBlock(comm: Comm, input: BlockInput): Promise<BlockOutput> {
  const model: Specimen = loadCheckpoint(checkpointDir("target"));
  const { n_embd: C, n_head: H, layer_norm_epsilon: eps } = model.config;
  if (H % comm.size !== 0)
    throw new Error(`tensorParallelBlock: ${H} heads do not split over ${comm.size} ranks`);
  const w = model.params.h[input.layer];
  const { x, T } = input;
  let allReduces = 0;
  const ln = (g: Float32Array, b: Float32Array, src: Float32Array) => {
    const out = new Float32Array(T * C);
    layerNormForward(out, new Float32Array(T), new Float32Array(T), src, g, b, T, C, eps);
    return out;
  };
  // attention sublayer: x + Σ_r attention_r(ln_1(x)) + b_o
  const a = attentionShard(
    comm,
    ln(w.ln_1.weight as Float32Array, w.ln_1.bias as Float32Array, x),
    T,
    C,
    H,
    w.c_attn.weight as Float32Array,
    w.c_attn.bias as Float32Array,
    w.attn_c_proj.weight as Float32Array,
  );
  await allReduce(comm, a);
  allReduces++;
  const res2 = new Float32Array(T * C);
  for (let i = 0; i < T * C; i++) res2[i] = x[i] + a[i] + w.attn_c_proj.bias[i % C];
  // MLP sublayer: res2 + Σ_r mlp_r(ln_2(res2)) + b_proj
  const m = mlpShard(
    comm,
    ln(w.ln_2.weight as Float32Array, w.ln_2.bias as Float32Array, res2),
    T,
    C,
    w.c_fc.weight as Float32Array,
    w.c_fc.bias as Float32Array,
    w.mlp_c_proj.weight as Float32Array,
  );
  await allReduce(comm, m);
  allReduces++;
  const y = new Float32Array(T * C);
  for (let i = 0; i < T * C; i++) y[i] = res2[i] + m[i] + w.mlp_c_proj.bias[i % C];
  const F = w.c_fc.bias.length;
  return { y, allReduces, weightFloats: (4 * C * C + 2 * C * F) / comm.size };
}
