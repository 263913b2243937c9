// The KV cache.
//
// In a decoder, position t's key k_t = x_t·W_K and value v_t = x_t·W_V depend only
// on tokens ≤ t (the causal mask guarantees it, layer after layer), so they never
// change once computed. Generation therefore keeps them:
//
//   prefill:      run the T prompt tokens at once; store K, V [T, d] per layer and head
//   decode step:  run ONE new token; compute its q, k, v; append k, v to the cache;
//                 attend q against all cached keys: softmax(q·Kᵀ/√d)·V
//
// A step costs O(T·C) attention plus one token's matmuls, instead of re-running
// the whole O(T²·C) prefix. The price is memory: kv-bytes.ts counts it.
// Layout per layer: [H, capacity, d], so head h's keys 0..len-1 are one contiguous
// slice (a `subarray`, no copy) we can hand to scaledDotProductAttention.

import {
  encoderForward,
  geluForward,
  layerNormForward,
  linearForward,
  residualForward,
  type GPT,
  type GPTConfig,
} from "@llm-labs/model";
import { matmulTransBInto } from "@llm-labs/tensor";
import { causalMask, scaledDotProductAttention } from "./attention.ts";
import { columns, headDimOf } from "./multi-head.ts";

// What the forward pass needs from a cache, contiguous (below) or paged (paged-kv-cache.ts).
export interface KVStore {
  readonly layers: number;
  readonly heads: number;
  readonly d: number;
  readonly length: number; // positions stored so far
  append(layer: number, qkv: Float32Array, T: number): void;
  advance(T: number): void;
  // Head h's keys (or values) for positions 0 … total-1 as one [total, d] array.
  headKeys(layer: number, h: number, total: number): Float32Array;
  headValues(layer: number, h: number, total: number): Float32Array;
}

export class KVCache implements KVStore {
  readonly keys: Float32Array[] = []; // per layer [H, capacity, d]
  readonly values: Float32Array[] = [];
  length = 0; // positions stored so far
  readonly d: number;

  constructor(
    readonly layers: number,
    readonly heads: number,
    width: number,
    readonly capacity: number,
  ) {
    this.d = headDimOf(width, heads);
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new Error(`KVCache: capacity must be a positive integer, got ${capacity}`);
    for (let l = 0; l < layers; l++) {
      this.keys.push(new Float32Array(heads * capacity * this.d));
      this.values.push(new Float32Array(heads * capacity * this.d));
    }
  }

  static for(config: GPTConfig, capacity = config.n_positions): KVCache {
    return new KVCache(config.n_layer, config.n_head, config.n_embd, capacity);
  }

  // Writes T new positions of one layer at slots length … length+T-1.
  // qkv is that layer's [T, 3C] projection; k is at column C, v at column 2C.
  // `length` itself moves only in advance(), after every layer has appended.
  append(layer: number, qkv: Float32Array, T: number): void {
    const H = this.heads;
    const d = this.d;
    const C = H * d;
    const cap = this.capacity;
    if (this.length + T > cap)
      throw new Error(`KVCache: ${this.length} cached + ${T} new positions exceed the capacity ${cap}`);
    const K = this.keys[layer];
    const V = this.values[layer];
    // #region exercise kv-cache-append
    // hint: head h, new token t goes to row (h·capacity + length + t) of the layer's [H, capacity, d] buffer
    // hint: its key is qkv[t, C + h·d …], its value qkv[t, 2C + h·d …]
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        const dst = (h * cap + this.length + t) * d;
        const row = t * 3 * C;
        K.set(qkv.subarray(row + C + h * d, row + C + (h + 1) * d), dst);
        V.set(qkv.subarray(row + 2 * C + h * d, row + 2 * C + (h + 1) * d), dst);
      }
    }
    // #endregion
  }

  advance(T: number): void {
    this.length += T;
  }

  headKeys(layer: number, h: number, total: number): Float32Array {
    return this.keys[layer].subarray(h * this.capacity * this.d, (h * this.capacity + total) * this.d);
  }
  headValues(layer: number, h: number, total: number): Float32Array {
    return this.values[layer].subarray(h * this.capacity * this.d, (h * this.capacity + total) * this.d);
  }
}

// Attention of T new queries against the cache (which already holds their own k, v).
export function cachedAttention(cache: KVStore, layer: number, qkv: Float32Array, T: number): Float32Array {
  const H = cache.heads;
  const d = cache.d;
  const C = H * d;
  const total = cache.length + T; // past + new
  const mask = causalMask(T, total); // new queries are the last T of `total` positions
  const heads = new Float32Array(T * C);
  for (let h = 0; h < H; h++) {
    const q = columns(qkv, T, 3 * C, h * d, d);
    const o = scaledDotProductAttention(
      q,
      cache.headKeys(layer, h, total),
      cache.headValues(layer, h, total),
      T,
      total,
      d,
      mask,
    );
    for (let t = 0; t < T; t++) heads.set(o.subarray(t * d, (t + 1) * d), t * C + h * d);
  }
  return heads;
}

// GPT-2 forward for T new tokens with our attention and our cache; the other
// layers (embeddings, LayerNorm, linear, GELU) are the specimen's. Returns logits [T, V].
// A fresh cache and the whole sequence = full recompute; one id = one decode step.
export function forwardWithCache(model: GPT, ids: readonly number[], cache: KVStore): Float32Array {
  const c = model.config;
  const p = model.params;
  const C = c.n_embd;
  const V = c.vocab_size;
  const T = ids.length;
  const eps = c.layer_norm_epsilon;
  if (cache.layers !== c.n_layer || cache.heads !== c.n_head || cache.d * cache.heads !== C) {
    throw new Error(
      `KVCache has ${cache.layers} layers × ${cache.heads} heads of ${cache.d}; the model needs ${c.n_layer} layers × ${c.n_head} heads of ${C / c.n_head}`,
    );
  }
  if (cache.length + T > c.n_positions) {
    throw new Error(
      `forwardWithCache: ${cache.length} cached + ${T} new positions exceed n_positions (${c.n_positions}), the model's learned position table`,
    );
  }
  const F = (n: number) => new Float32Array(n);
  let x = F(T * C);
  encoderForward(x, ids, p.wte, p.wpe, 1, T, C, V, cache.length);
  const ln = F(T * C);
  const mean = F(T);
  const rstd = F(T);
  const qkv = F(T * 3 * C);
  const proj = F(T * C);
  const fch = F(T * 4 * C);
  const act = F(T * 4 * C);
  for (let l = 0; l < c.n_layer; l++) {
    const w = p.h[l];
    layerNormForward(ln, mean, rstd, x, w.ln_1.weight, w.ln_1.bias, T, C, eps);
    linearForward(qkv, ln, w.c_attn.weight, w.c_attn.bias, T, C, 3 * C);
    cache.append(l, qkv, T);
    const heads = cachedAttention(cache, l, qkv, T);
    linearForward(proj, heads, w.attn_c_proj.weight, w.attn_c_proj.bias, T, C, C);
    const res = F(T * C);
    residualForward(res, x, proj, T * C);
    layerNormForward(ln, mean, rstd, res, w.ln_2.weight, w.ln_2.bias, T, C, eps);
    linearForward(fch, ln, w.c_fc.weight, w.c_fc.bias, T, C, 4 * C);
    geluForward(act, fch, T * 4 * C);
    linearForward(proj, act, w.mlp_c_proj.weight, w.mlp_c_proj.bias, T, 4 * C, C);
    const next = F(T * C);
    residualForward(next, res, proj, T * C);
    x = next;
  }
  cache.advance(T);
  layerNormForward(ln, mean, rstd, x, p.ln_f.weight, p.ln_f.bias, T, C, eps);
  const logits = F(T * V);
  matmulTransBInto(logits, ln, p.wte, T, C, V); // tied LM head
  return logits;
}
