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
// Layout per layer: [batch, H, capacity, d], so a head's keys 0..len-1 are one
// contiguous slice (a `subarray`, no copy) we can hand to scaledDotProductAttention.
//
// The cache plugs into the specimen's one forward pass (@llm-labs/model's
// forwardPass) through its `cache` hook, and our attention through its
// `attention` hook: every other layer is the specimen's own. The same two serve
// the Llama specimen, whose cache holds only its H_kv = 2 key/value heads (GQA).

import {
  forwardPass,
  type AnySpecimen,
  type AttentionHook,
  type GPTConfig,
  type KVStore,
  type LlamaConfig,
} from "@llm-labs/model";
import { attendEachHead, headDimOf } from "./multi-head.ts";

export class KVCache implements KVStore {
  readonly keys: Float32Array[] = []; // per layer [batch, H, capacity, d]
  readonly values: Float32Array[] = [];
  length = 0; // positions stored so far
  readonly d: number;

  constructor(
    readonly layers: number,
    readonly heads: number,
    width: number,
    readonly capacity: number,
    readonly batch = 1,
  ) {
    this.d = headDimOf(width, heads);
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new Error(`KVCache: capacity must be a positive integer, got ${capacity}`);
    for (let l = 0; l < layers; l++) {
      this.keys.push(new Float32Array(batch * heads * capacity * this.d));
      this.values.push(new Float32Array(batch * heads * capacity * this.d));
    }
  }

  // A GPT-2 caches all n_head heads; a Llama only its num_key_value_heads, each of
  // head_dim, for as many positions as max_position_embeddings.
  static for(config: GPTConfig | LlamaConfig, capacity?: number): KVCache {
    if (config.model_type === "llama") {
      const { num_hidden_layers: L, num_key_value_heads: G, head_dim: d } = config;
      return new KVCache(L, G, G * d, capacity ?? config.max_position_embeddings);
    }
    return new KVCache(config.n_layer, config.n_head, config.n_embd, capacity ?? config.n_positions);
  }

  // Writes T new positions of B sequences into one layer, at slots length … length+T-1.
  // k, v: [B, T, H·d], head h in columns h·d … (h+1)·d.
  // `length` itself moves only in advance(), after every layer has appended.
  append(layer: number, k: Float32Array, v: Float32Array, B: number, T: number): void {
    const H = this.heads;
    const d = this.d;
    if (B !== this.batch) throw new Error(`KVCache: made for batch ${this.batch}, got batch ${B}`);
    if (this.length + T > this.capacity)
      throw new Error(
        `KVCache: ${this.length} cached + ${T} new positions exceed the capacity ${this.capacity}`,
      );
    const K = this.keys[layer];
    const V = this.values[layer];
    // #region exercise kv-cache-append
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let h = 0; h < H; h++) {
          const from = ((b * T + t) * H + h) * d;
          const to = ((b * H + h) * this.capacity + this.length + t) * d;
          K.set(k.subarray(from, from + d), to);
          V.set(v.subarray(from, from + d), to);
        }
    // #endregion
  }

  advance(T: number): void {
    this.length += T;
  }

  headKeys(layer: number, b: number, h: number, total: number): Float32Array {
    const start = (b * this.heads + h) * this.capacity * this.d;
    return this.keys[layer].subarray(start, start + total * this.d);
  }
  headValues(layer: number, b: number, h: number, total: number): Float32Array {
    const start = (b * this.heads + h) * this.capacity * this.d;
    return this.values[layer].subarray(start, start + total * this.d);
  }
}

// Attention of T new queries per sequence against the cache, which already holds
// their own keys and values: our multi-head attention, each head reading its
// keys and values straight from the store. q: [B, T, H·d] → [B, T, H·d].
// With fewer KV heads than query heads (GQA, gqa.ts) query head h reads KV head
// ⌊h / (H / H_kv)⌋; for GPT-2, H_kv = H and that is head h itself.
export const cachedAttention: AttentionHook = (layer, q, cache, B, T, H) => {
  const C = q.length / (B * T);
  const total = cache.length + T; // past + new
  if (H % cache.heads !== 0)
    throw new Error(`cachedAttention: ${cache.heads} KV heads do not divide ${H} query heads`);
  const per = H / cache.heads; // query heads per KV head
  const out = new Float32Array(q.length);
  for (let b = 0; b < B; b++) {
    const kv = (h: number) => ({
      k: cache.headKeys(layer, b, Math.floor(h / per), total),
      v: cache.headValues(layer, b, Math.floor(h / per), total),
    });
    const qb = q.subarray(b * T * C, (b + 1) * T * C); // sequence b's queries [T, C]
    out.set(attendEachHead(qb, kv, T, total, C, H), b * T * C);
  }
  return out;
};

// The specimen's forward for T new tokens with our attention and our cache; the
// other layers (embeddings, LayerNorm, linear, GELU; for the Llama RMSNorm, RoPE,
// SwiGLU) are the specimen's. Logits [T, V].
// A fresh cache and the whole sequence = full recompute; one id = one decode step.
export function forwardWithCache(
  model: AnySpecimen,
  ids: readonly number[],
  cache: KVStore & { readonly layers: number },
): Float32Array {
  const c = model.config;
  const [layers, heads, d] =
    c.model_type === "llama"
      ? [c.num_hidden_layers, c.num_key_value_heads, c.head_dim]
      : [c.n_layer, c.n_head, c.n_embd / c.n_head];
  if (cache.layers !== layers || cache.heads !== heads || cache.d !== d)
    throw new Error(
      `KVCache has ${cache.layers} layers × ${cache.heads} heads of ${cache.d}; the model needs ${layers} layers × ${heads} KV heads of ${d}`,
    );
  return forwardPass(model, ids, 1, ids.length, { cache, attention: cachedAttention }) as Float32Array;
}
