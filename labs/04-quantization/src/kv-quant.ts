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
// This cache is lab 02's contiguous cache with quantization on every append, so
// lab 02's forwardWithCache runs on it unchanged. It keeps the DEQUANTIZED values in float32 (what attention reads)
// — fake quantization: the numbers are exactly those of a real b-bit cache, the
// memory saving is counted by kvQuantBytesPerElement, not realised here.

import { KVCache } from "@llm-labs/lab-attention-kv-cache";
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

// Lab 02's contiguous cache, [H, capacity, d] per layer, whose entries are replaced
// by their b-bit round trip as they arrive.
export class QuantizedKVCache extends KVCache {
  private keyGroupsDone: number[] = [];

  constructor(
    layers: number,
    heads: number,
    width: number,
    capacity: number,
    readonly opts: KVQuantOptions,
  ) {
    super(layers, heads, width, capacity);
    checkBits(opts.bits);
    if (!Number.isInteger(opts.groupSize) || opts.groupSize < 1)
      throw new Error(`KV group size must be a positive integer, got ${opts.groupSize}`);
    if (this.d % Math.min(opts.groupSize, this.d) !== 0)
      throw new Error(`KV group size ${opts.groupSize} does not divide the head dimension ${this.d}`);
    for (let l = 0; l < layers; l++) this.keyGroupsDone.push(0);
  }

  static forModel(config: GPTConfig, opts: KVQuantOptions, capacity = config.n_positions): QuantizedKVCache {
    return new QuantizedKVCache(config.n_layer, config.n_head, config.n_embd, capacity, opts);
  }

  // k, v: [1, T, H·d]. Stores them exactly (lab 02's append), then quantizes what is due.
  override append(layer: number, k: Float32Array, v: Float32Array, B: number, T: number): void {
    super.append(layer, k, v, B, T);
    const H = this.heads;
    const d = this.d;
    const cap = this.capacity;
    const { bits, groupSize: G, keys } = this.opts;
    const K = this.keys[layer];
    const V = this.values[layer];
    const Gc = Math.min(G, d); // channels per group for per-token quantization
    // #region exercise kivi-kv-quant
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
}

// Bytes per cached element: b bits, plus a scale and a zero point (fp16 each, as
// KIVI stores them) shared by G elements.
export const kvQuantBytesPerElement = (bits: number, groupSize: number, paramBytes = 2): number =>
  bits / 8 + (2 * paramBytes) / groupSize;
