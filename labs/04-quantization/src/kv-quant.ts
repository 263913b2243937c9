// KV cache quantization as in KIVI (Liu et al. 2024, "KIVI: A Tuning-Free
// Asymmetric 2bit Quantization for KV Cache", arXiv 2402.02750).
//
// The cache grows with every token (lab 02's memory table), so storing it in 8,
// 4 or 2 bits instead of 16 or 32 is where long contexts get their memory back.
// KIVI's observation: KEYS have a few channels with large values in every token
// (outlier channels, as activations do), while VALUES have no such pattern. So
//
//   keys    per channel: one (scale, zero point) per channel i for a group of G tokens
//   values  per token:   one (scale, zero point) per token for a group of G channels
//
// both asymmetric (min/max) on a b-bit grid. A key group can only be quantized
// once its G tokens exist: until then the newest < G keys stay in full precision
// (KIVI's residual). Values are quantized as they arrive.
//
// This cache implements lab 02's KVStore, so lab 02's forwardWithCache runs on it
// unchanged. It keeps the DEQUANTIZED values in float32 (what attention reads)
// — fake quantization: the numbers are exactly those of a real b-bit cache, the
// memory saving is counted by kvQuantBytesPerElement, not realised here.

import { headDimOf, type KVStore } from "@llm-labs/lab-attention-kv-cache";
import type { GPTConfig } from "@llm-labs/model";
import { affineParams, checkBits, quantizeValue, uintN } from "./quantize.ts";

export interface KVQuantOptions {
  bits: number; // 2 … 8
  groupSize: number; // G: tokens per key group, channels per value group (≤ head_dim)
  keys: "channel" | "token"; // KIVI: "channel"; "token" to see why not
}

// Replace `count` values of buf (start, start + stride, …) by their b-bit min/max round trip.
export function fakeQuantizeSpan(
  buf: Float32Array,
  start: number,
  count: number,
  stride: number,
  bits: number,
): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = buf[start + i * stride];
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const t = uintN(bits);
  const p = affineParams(lo, hi, t);
  for (let i = 0; i < count; i++) {
    const at = start + i * stride;
    buf[at] = Math.fround((quantizeValue(buf[at], p, t) - p.zeroPoint) * p.scale);
  }
}

export class QuantizedKVCache implements KVStore {
  readonly keys: Float32Array[] = []; // per layer [H, capacity, d], dequantized (or still exact: the residual)
  readonly values: Float32Array[] = [];
  readonly d: number;
  length = 0;
  private keyGroupsDone: number[] = [];

  constructor(
    readonly layers: number,
    readonly heads: number,
    width: number,
    readonly capacity: number,
    readonly opts: KVQuantOptions,
  ) {
    checkBits(opts.bits);
    this.d = headDimOf(width, heads);
    if (!Number.isInteger(opts.groupSize) || opts.groupSize < 1)
      throw new Error(`KV group size must be a positive integer, got ${opts.groupSize}`);
    if (this.d % Math.min(opts.groupSize, this.d) !== 0)
      throw new Error(`KV group size ${opts.groupSize} does not divide the head dimension ${this.d}`);
    for (let l = 0; l < layers; l++) {
      this.keys.push(new Float32Array(heads * capacity * this.d));
      this.values.push(new Float32Array(heads * capacity * this.d));
      this.keyGroupsDone.push(0);
    }
  }

  static for(config: GPTConfig, opts: KVQuantOptions, capacity = config.n_positions): QuantizedKVCache {
    return new QuantizedKVCache(config.n_layer, config.n_head, config.n_embd, capacity, opts);
  }

  append(layer: number, qkv: Float32Array, T: number): void {
    const H = this.heads;
    const d = this.d;
    const C = H * d;
    const cap = this.capacity;
    const { bits, groupSize: G, keys } = this.opts;
    if (this.length + T > cap)
      throw new Error(
        `QuantizedKVCache: ${this.length} cached + ${T} new positions exceed the capacity ${cap}`,
      );
    const K = this.keys[layer];
    const V = this.values[layer];
    for (let t = 0; t < T; t++)
      for (let h = 0; h < H; h++) {
        const dst = (h * cap + this.length + t) * d;
        const row = t * 3 * C;
        K.set(qkv.subarray(row + C + h * d, row + C + (h + 1) * d), dst);
        V.set(qkv.subarray(row + 2 * C + h * d, row + 2 * C + (h + 1) * d), dst);
      }
    const Gc = Math.min(G, d); // channels per group for per-token quantization
    // #region exercise kivi-kv-quant
    // hint: values, per token: for each new position p and head h, the d values at (h·cap + p)·d are min(G, d)-channel groups, stride 1.
    // hint: keys, per channel: once tokens g·G … g·G+G−1 all exist, each channel i of head h is one group: start (h·cap + g·G)·d + i, stride d, G values.
    // hint: keys "token" (the ablation) are quantized like the values.
    for (let p = this.length; p < this.length + T; p++)
      for (let h = 0; h < H; h++)
        for (let c = 0; c < d; c += Gc) {
          fakeQuantizeSpan(V, (h * cap + p) * d + c, Gc, 1, bits);
          if (keys === "token") fakeQuantizeSpan(K, (h * cap + p) * d + c, Gc, 1, bits);
        }
    if (keys === "channel")
      while ((this.keyGroupsDone[layer] + 1) * G <= this.length + T) {
        const g = this.keyGroupsDone[layer];
        for (let h = 0; h < H; h++)
          for (let i = 0; i < d; i++) fakeQuantizeSpan(K, (h * cap + g * G) * d + i, G, d, bits);
        this.keyGroupsDone[layer] = g + 1;
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

// Bytes per cached element: b bits, plus a scale and a zero point (fp16 each, as
// KIVI stores them) shared by G elements.
export const kvQuantBytesPerElement = (bits: number, groupSize: number, paramBytes = 2): number =>
  bits / 8 + (2 * paramBytes) / groupSize;
