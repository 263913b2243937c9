// The KV cache: the keys and values of every position a decoder has already seen.
//
// Position t's key k_t and value v_t depend only on tokens ≤ t (the causal mask
// sees to it, layer after layer), so once computed they never change. Generation
// keeps them instead of recomputing the prefix for every new token:
//
//   prefill:  run the prompt's T tokens at once, store their k, v
//   step:     run ONE new token at position p = length; its query attends to the
//             stored keys 0 … p-1 and its own; append its k, v
//
// Per new token that is O(T·C) attention work instead of the whole O(T²·C) prefix
// and all its matmuls (bench/generate.bench.ts measures the gain).
//
// `KVStore` is what the forward pass (forward.ts) needs from a cache; lab 02 has
// the learner write a contiguous and a paged one, lab 04 a quantized one, and all
// of them plug into the same forward. `KVCache` below is the specimen's own.

import { headDim, type GPTConfig } from "./config.ts";
import type { LlamaConfig } from "./llama-config.ts";
import type { Floats } from "./params.ts";

// F: what headKeys hands out; float32 everywhere except the float64 gradient check.
export interface KVStore<F extends Floats = Float32Array> {
  readonly heads: number; // key/value heads per layer (GPT-2: n_head; grouped-query attention: fewer)
  readonly d: number; // head dimension
  readonly length: number; // positions stored so far: where this call's tokens start
  // Store T new positions of one layer for B sequences. k, v: [B, T, heads·d], head h in
  // columns h·d … (h+1)·d. `length` moves only in advance(), after every layer appended.
  append(layer: number, k: Floats, v: Floats, B: number, T: number): void;
  advance(T: number): void;
  // Sequence b's keys (or values) of head h, positions 0 … total-1, as one [total, d] array.
  headKeys(layer: number, b: number, h: number, total: number): F;
  headValues(layer: number, b: number, h: number, total: number): F;
}

// Contiguous storage, per layer [batch, heads, capacity, d]: the layout of Hugging
// Face's `past_key_values` and of our ONNX export, so one (sequence, head) is a
// contiguous [capacity, d] block and headKeys is a view, not a copy.
export class KVCache implements KVStore<Floats> {
  readonly keys: Floats[] = []; // per layer [batch, heads, capacity, d]
  readonly values: Floats[] = [];
  length = 0;

  constructor(
    readonly layers: number,
    readonly heads: number,
    readonly d: number,
    readonly capacity: number,
    readonly batch = 1,
    dtype: "float32" | "float64" = "float32",
  ) {
    for (const [what, n] of [
      ["layers", layers],
      ["heads", heads],
      ["head dimension", d],
      ["batch", batch],
    ] as const)
      if (!Number.isInteger(n) || n < 0) throw new Error(`KVCache: ${what} must be a whole number, got ${n}`);
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`KVCache: capacity must be a positive integer, got ${capacity}`);
    const size = batch * heads * capacity * d;
    for (let l = 0; l < layers; l++) {
      this.keys.push(dtype === "float64" ? new Float64Array(size) : new Float32Array(size));
      this.values.push(dtype === "float64" ? new Float64Array(size) : new Float32Array(size));
    }
  }

  // A cache for a model's every layer, as long as its context unless told otherwise. A
  // Llama's holds H_kv heads (grouped-query attention: that is the memory GQA saves) and may
  // be longer than max_position_embeddings (RoPE has no table to run off).
  static for(config: GPTConfig | LlamaConfig, batch = 1, capacity?: number): KVCache {
    if (config.model_type === "llama")
      return new KVCache(
        config.num_hidden_layers,
        config.num_key_value_heads,
        config.head_dim,
        capacity ?? config.max_position_embeddings,
        batch,
      );
    const cap = capacity ?? config.n_positions;
    if (cap > config.n_positions)
      throw new Error(`KVCache: capacity ${cap} exceeds n_positions (${config.n_positions})`);
    return new KVCache(config.n_layer, config.n_head, headDim(config), cap, batch);
  }

  append(layer: number, k: Floats, v: Floats, B: number, T: number): void {
    const { heads: H, d, capacity: cap } = this;
    if (B !== this.batch) throw new Error(`KVCache: made for batch ${this.batch}, got batch ${B}`);
    if (this.length + T > cap)
      throw new Error(`KVCache: ${this.length} cached + ${T} new positions exceed the capacity ${cap}`);
    const K = this.keys[layer];
    const V = this.values[layer];
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const src = (b * T + t) * H * d; // row (b, t) of k and v
        for (let h = 0; h < H; h++) {
          const dst = ((b * H + h) * cap + this.length + t) * d; // slot (b, h, length + t)
          for (let i = 0; i < d; i++) {
            K[dst + i] = k[src + h * d + i];
            V[dst + i] = v[src + h * d + i];
          }
        }
      }
  }

  advance(T: number): void {
    this.length += T;
  }

  headKeys(layer: number, b: number, h: number, total: number): Floats {
    const start = (b * this.heads + h) * this.capacity * this.d;
    return this.keys[layer].subarray(start, start + total * this.d);
  }
  headValues(layer: number, b: number, h: number, total: number): Floats {
    const start = (b * this.heads + h) * this.capacity * this.d;
    return this.values[layer].subarray(start, start + total * this.d);
  }
}
