// Multi-query and grouped-query attention.
//
// MQA (Shazeer 2019, "Fast Transformer Decoding: One Write-Head is All You Need")
// keeps H query heads but only ONE key/value head shared by all of them; GQA
// (Ainslie et al. 2023, arXiv 2305.13245) is the middle ground: G KV heads, each
// shared by a group of H / G query heads. G = H is ordinary multi-head attention.
//
//   query head h uses KV head  g(h) = ⌊h / (H / G)⌋
//
// The KV cache shrinks by H / G (kv-bytes.ts), and a decode step, which is
// bound by reading that cache, gets faster by about as much.

import type { GPT } from "@llm-labs/model";
import { viewParams } from "@llm-labs/model";
import { causalMask, scaledDotProductAttention } from "./attention.ts";
import { columns } from "./multi-head.ts";

export function groupSize(queryHeads: number, kvHeads: number): number {
  if (!Number.isInteger(kvHeads) || kvHeads <= 0 || queryHeads % kvHeads !== 0) {
    throw new Error(
      `GQA: ${kvHeads} KV heads do not divide ${queryHeads} query heads; each group must hold the same number of query heads`,
    );
  }
  return queryHeads / kvHeads;
}

// q [T, Hq·d], k and v [T, Hkv·d] → [T, Hq·d], causal.
export function groupedQueryAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  T: number,
  Hq: number,
  Hkv: number,
  d: number,
): Float32Array {
  const per = groupSize(Hq, Hkv);
  const out = new Float32Array(T * Hq * d);
  const mask = causalMask(T, T);
  const kv = Array.from({ length: Hkv }, (_, g) => ({
    k: columns(k, T, Hkv * d, g * d, d),
    v: columns(v, T, Hkv * d, g * d, d),
  }));
  for (let h = 0; h < Hq; h++) {
    let g = 0;
    // #region exercise gqa-group
    g = Math.floor(h / per);
    // #endregion
    const o = scaledDotProductAttention(columns(q, T, Hq * d, h * d, d), kv[g].k, kv[g].v, T, T, d, mask);
    for (let t = 0; t < T; t++) out.set(o.subarray(t * d, (t + 1) * d), (t * Hq + h) * d);
  }
  return out;
}

// Converting a trained MHA checkpoint to GQA (Ainslie et al. 2023, §2.1): "the
// key and value projection matrices of each group are mean-pooled into a single
// head". Here W_K and W_V are columns C … 3C of GPT-2's c_attn ([C, 3C], input
// rows × output columns), head h's columns are h·d … (h+1)·d inside each.
//
// We write the pooled head back into EVERY head of its group. A model whose KV
// heads within a group are identical computes exactly what a G-head GQA model
// computes, so the specimen's own forward (and heldoutLoss) can score the
// converted model unchanged; only the cache could be smaller.
// (The paper then "uptrains" for ~5% of the original steps; we measure the
// damage before any uptraining.)
export function meanPoolKVHeads(model: GPT, kvHeads: number): GPT {
  const c = model.config;
  const C = c.n_embd;
  const H = c.n_head;
  const d = C / H;
  const per = groupSize(H, kvHeads);
  const flat = Float32Array.from(model.params.flat);
  const params = viewParams(c, flat).params;
  for (const block of params.h) {
    const W = block.c_attn.weight;
    const b = block.c_attn.bias;
    for (const part of [1, 2]) {
      // 1: keys, 2: values
      for (let g = 0; g < kvHeads; g++) {
        for (let e = 0; e < d; e++) {
          // the same column (part, head, e) in every head of group g
          const cols = Array.from({ length: per }, (_, i) => part * C + (g * per + i) * d + e);
          // #region exercise gqa-mean-pool
          for (let r = 0; r < C; r++) {
            let s = 0;
            for (const col of cols) s += W[r * 3 * C + col];
            for (const col of cols) W[r * 3 * C + col] = s / per;
          }
          let s = 0;
          for (const col of cols) s += b[col];
          for (const col of cols) b[col] = s / per;
          // #endregion
        }
      }
    }
  }
  return { config: c, params };
}
