import { describe, expect, it } from "vitest";
import { KVCache, columns, forwardWithCache } from "@llm-labs/lab-attention-kv-cache";
import { QuantizedKVCache, fakeQuantizeSpan, kvQuantBytesPerElement } from "../src/kv-quant.ts";
import { maxAbsDiff, randomArray, targetModel } from "./util.ts";

// One layer, one head of d = 4 channels (width 4): qkv rows are [q(4) | k(4) | v(4)].
const H = 1;
const d = 4;
const C = 4;
function qkvRows(T: number, seed: number, loudKeyChannel = -1): Float32Array {
  const r = randomArray(T * 3 * C, seed);
  if (loudKeyChannel >= 0) for (let t = 0; t < T; t++) r[t * 3 * C + C + loudKeyChannel] = 20 + t * 0.01; // a key channel near 20 in every token
  return r;
}
// The key and value columns of qkv rows, as the forward pass hands them to a cache: [T, C] each.
const kv = (qkv: Float32Array, T: number): [Float32Array, Float32Array, number, number] => [
  columns(qkv, T, 3 * C, C, C),
  columns(qkv, T, 3 * C, 2 * C, C),
  1,
  T,
];
const keyError = (c: QuantizedKVCache, qkv: Float32Array, T: number) => {
  let se = 0;
  for (let t = 0; t < T; t++)
    for (let i = 0; i < d; i++) se += (c.keys[0][t * d + i] - qkv[t * 3 * C + C + i]) ** 2;
  return se / (T * d);
};

describe("exercise: kivi-kv-quant", () => {
  it("a span is rounded on its own min/max grid (hand calculation, 2 bits)", () => {
    // [0, 1, 2, 3] at 2 bits: s = 3/3 = 1, z = 0 → exact. [0, 0.4, 3]: 0.4 → 0.
    const a = Float32Array.from([0, 1, 2, 3]);
    const b = Float32Array.from([0, 0.4, 3, 99]);
    fakeQuantizeSpan(a, 0, 4, 1, 2);
    fakeQuantizeSpan(b, 0, 3, 1, 2);
    expect(Array.from(a)).toEqual([0, 1, 2, 3]);
    expect(Array.from(b)).toEqual([0, 0, 3, 99]); // the 4th value is outside the span: untouched
  });
  it("values are quantized per token at once; keys wait for a full group of G tokens (the residual stays exact)", () => {
    const G = 4;
    const c = new QuantizedKVCache(1, H, C, 16, { bits: 2, groupSize: G, keys: "channel" });
    const qkv = qkvRows(6, 1);
    c.append(0, ...kv(qkv.subarray(0, 3 * 3 * C), 3)); // 3 tokens: no key group complete
    c.advance(3);
    for (let t = 0; t < 3; t++)
      for (let i = 0; i < d; i++) expect(c.keys[0][t * d + i]).toBe(qkv[t * 3 * C + C + i]);
    // each value row (one token, 4 channels) is already rounded: 2 bits → a step s = (max − min)/3
    // (range widened to 0), every value within one step (half a step, plus the zero point's rounding)
    for (let t = 0; t < 3; t++) {
      const v = Array.from(c.values[0].subarray(t * d, (t + 1) * d));
      const raw = Array.from(qkv.subarray(t * 3 * C + 2 * C, t * 3 * C + 3 * C));
      const step = (Math.max(...raw, 0) - Math.min(...raw, 0)) / 3;
      expect(v).not.toEqual(raw);
      for (let i = 0; i < d; i++) expect(Math.abs(v[i] - raw[i])).toBeLessThanOrEqual(step * (1 + 1e-6));
    }
    c.append(0, ...kv(qkv.subarray(3 * 3 * C), 3)); // tokens 3, 4, 5: the group 0 … 3 completes
    c.advance(3);
    expect(c.keys[0][0]).not.toBe(qkv[C]); // token 0 is now rounded
    for (let t = 4; t < 6; t++)
      for (let i = 0; i < d; i++) expect(c.keys[0][t * d + i]).toBe(qkv[t * 3 * C + C + i]); // 4, 5: the residual
  });
  it("keys with an outlier channel: per-channel groups leave far less error than per-token ones (KIVI's point)", () => {
    const T = 32;
    const qkv = qkvRows(T, 2, 1);
    const run = (keys: "channel" | "token") => {
      const c = new QuantizedKVCache(1, H, C, T, { bits: 4, groupSize: 4, keys });
      c.append(0, ...kv(qkv, T));
      return keyError(c, qkv, T);
    };
    expect(run("channel")).toBeLessThan(run("token") / 10);
  });
  it("an INT8 cache gives nearly the float cache's logits on the target, INT2 drifts further", () => {
    const model = targetModel();
    const ids = [5, 17, 300, 2, 9, 44, 101, 7, 8, 12, 600, 33];
    const decode = (make: () => KVCache) => {
      const cache = make();
      const out: Float32Array[] = [];
      for (const id of ids) out.push(forwardWithCache(model, [id], cache));
      return out.at(-1)!;
    };
    const fp = decode(() => KVCache.for(model.config));
    const q8 = decode(() =>
      QuantizedKVCache.forModel(model.config, { bits: 8, groupSize: 4, keys: "channel" }),
    );
    const q2 = decode(() =>
      QuantizedKVCache.forModel(model.config, { bits: 2, groupSize: 4, keys: "channel" }),
    );
    expect(maxAbsDiff(q8, fp)).toBeLessThan(0.05);
    expect(maxAbsDiff(q2, fp)).toBeGreaterThan(maxAbsDiff(q8, fp));
  });
});

describe("KV cache quantization: bytes and bad input", () => {
  it("bytes per element: b/8 + a 2-byte scale and 2-byte zero point per G", () => {
    expect(kvQuantBytesPerElement(4, 32)).toBe(0.5 + 4 / 32); // 0.625
    expect(kvQuantBytesPerElement(8, 128)).toBe(1 + 4 / 128);
  });
  it("refuses bits outside 2–8 and a group that does not divide the head", () => {
    expect(() => new QuantizedKVCache(1, 1, 32, 8, { bits: 1, groupSize: 32, keys: "channel" })).toThrow(
      /2 to 8/,
    );
    expect(() => new QuantizedKVCache(1, 1, 32, 8, { bits: 4, groupSize: 12, keys: "channel" })).toThrow(
      /does not divide/,
    );
  });
});
