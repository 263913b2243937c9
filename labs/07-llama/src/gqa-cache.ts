// Grouped-query attention over the KV cache (Ainslie et al. 2023, "GQA").
//
// GPT-2 gives every query head its own key and value head. GQA keeps H query heads but
// only H_kv < H key/value heads; query head h reads KV head
//
//   g(h) = ⌊h / (H / H_kv)⌋            (H / H_kv query heads per group, consecutive)
//
// The cache holds H_kv heads instead of H, so it is H / H_kv times smaller, and a decode
// step, which is mostly reading that cache, gets faster by about as much. The specimen has
// H = 8 and H_kv = 2: groups of four query heads share one key/value head.
//
// With a cache, this call's T queries sit at positions past … past + T − 1, where
// past = store.length (what earlier calls stored). The forward has already appended this
// call's keys and values, so the store holds past + T positions, and the query at position
// past + t may look at keys 0 … past + t (causal):
//
//   y_t = Σ_{j ≤ past+t} softmax_j( q_t · k_j / √d ) · v_j
//
// Keys arrive in the cache ALREADY ROTATED by RoPE, each by its own position: the angle of
// key j depends only on j, never on which query reads it, so rotating it once, when it is
// stored, is enough. A cache of raw keys would have to rotate all past + t of them again at
// every step (RotateOnReadCache below, which counts those rotations).

import type { KVStore } from "@llm-labs/model";
import type { Floats } from "@llm-labs/tensor";
import { rope, type RopePositions } from "./rope.ts";

// softmax(q·K_jᵀ/√d) · V over the first n rows of K, V [≥ n, d]: one query's output [d].
function attendOne(q: Float32Array, K: Floats, V: Floats, n: number, d: number): Float32Array {
  const scores = new Float64Array(n);
  let max = -Infinity;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let e = 0; e < d; e++) s += q[e] * K[j * d + e];
    scores[j] = s / Math.sqrt(d);
    max = Math.max(max, scores[j]);
  }
  let sum = 0;
  for (let j = 0; j < n; j++) {
    scores[j] = Math.exp(scores[j] - max); // minus the max: exp never overflows
    sum += scores[j];
  }
  const y = new Float32Array(d);
  for (let j = 0; j < n; j++) for (let e = 0; e < d; e++) y[e] += (scores[j] / sum) * V[j * d + e];
  return y;
}

// The forward's AttentionHook: q [B·T, H·d] of layer `layer` → the heads' outputs [B·T, H·d],
// over a store whose heads (H_kv) divide H.
export function gqaAttention(
  layer: number,
  q: Float32Array,
  store: KVStore<Floats>,
  B: number,
  T: number,
  H: number,
): Float32Array {
  const Hkv = store.heads;
  const d = store.d;
  if (H % Hkv !== 0)
    throw new Error(
      `gqa: ${Hkv} key/value heads do not divide ${H} query heads; every group needs the same size`,
    );
  if (q.length !== B * T * H * d)
    throw new Error(`gqa: q has ${q.length} values, expected B·T·H·d = ${B}·${T}·${H}·${d}`);
  const past = store.length;
  const total = past + T;
  const out = new Float32Array(B * T * H * d);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      // #region exercise gqa-cache
      const g = Math.floor(h / (H / Hkv));
      const K = store.headKeys(layer, b, g, total); // [total, d]
      const V = store.headValues(layer, b, g, total);
      for (let t = 0; t < T; t++) {
        const row = (b * T + t) * H + h;
        const y = attendOne(q.subarray(row * d, (row + 1) * d), K, V, past + t + 1, d);
        out.set(y, row * d);
      }
      // #endregion
    }
  return out;
}

// A KV cache that stores keys as they come (unrotated) and rotates them when read: what a
// cache would have to do if RoPE were applied at attention time. Same attention, more work:
// `rotations` counts the key vectors rotated. Use it with a rope hook that rotates only q.
export class RotateOnReadCache implements KVStore {
  readonly keys: Float32Array[]; // per layer [batch, heads, capacity, d], like KVCache
  readonly values: Float32Array[];
  length = 0;
  rotations = 0;

  constructor(
    readonly layers: number,
    readonly heads: number,
    readonly d: number,
    readonly capacity: number,
    readonly batch: number,
    readonly invFreq: Float64Array,
  ) {
    const n = batch * heads * capacity * d;
    this.keys = Array.from({ length: layers }, () => new Float32Array(n));
    this.values = Array.from({ length: layers }, () => new Float32Array(n));
  }

  append(layer: number, k: Float32Array, v: Float32Array, B: number, T: number): void {
    if (this.length + T > this.capacity)
      throw new Error(
        `RotateOnReadCache: ${this.length} + ${T} positions exceed its capacity ${this.capacity}`,
      );
    const { heads, d } = this;
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let h = 0; h < heads; h++) {
          const from = ((b * T + t) * heads + h) * d;
          const to = ((b * heads + h) * this.capacity + this.length + t) * d;
          this.keys[layer].set(k.subarray(from, from + d), to);
          this.values[layer].set(v.subarray(from, from + d), to);
        }
  }

  advance(T: number): void {
    this.length += T;
  }

  // every stored key of (b, h), rotated now to its own position 0 … total − 1
  headKeys(layer: number, b: number, h: number, total: number): Float32Array {
    const start = (b * this.heads + h) * this.capacity * this.d;
    const raw = this.keys[layer].subarray(start, start + total * this.d);
    this.rotations += total;
    const at: RopePositions = { p0: 0, invFreq: this.invFreq };
    return rope(raw, 1, total, 1, this.d, at); // [total, d] seen as B = 1, T = total, one head
  }

  headValues(layer: number, b: number, h: number, total: number): Float32Array {
    const start = (b * this.heads + h) * this.capacity * this.d;
    return this.values[layer].subarray(start, start + total * this.d);
  }
}
