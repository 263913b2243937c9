// Exercise gqa-cache: src/gqa-cache.ts.
import { KVCache, forwardPass, ropeFrequencies } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { RotateOnReadCache, gqaAttention } from "../src/gqa-cache.ts";
import { ortGroupQueryAttention } from "../src/ort-reference.ts";
import { inverseFrequencies, rope } from "../src/rope.ts";
import { llamaSpecimen, maxAbsDiff, promptIds, randomArray } from "./util.ts";

// One layer's attention over a fresh KVCache: append k, v at the cache's length, attend, advance.
function step(
  cache: KVCache,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  B: number,
  T: number,
  H: number,
) {
  cache.append(0, k, v, B, T);
  const y = gqaAttention(0, q, cache, B, T, H);
  cache.advance(T);
  return y;
}

describe("exercise: gqa-cache", () => {
  it("two query heads share one key/value head, by hand", () => {
    // d = 1 (so 1/√d = 1), T = 2, H = 2, H_kv = 1: k = [0, 2], v = [4, 8].
    // t = 0 sees only position 0: both heads give v_0 = 4.
    // t = 1, head 0, q = ln(3)/2: scores [0, ln 3] → softmax [1/4, 3/4] → 4/4 + 3·8/4 = 7
    // t = 1, head 1, q = 5 ⇒ scores [0, 10] → [1/(1+e¹⁰), e¹⁰/(1+e¹⁰)] → 8 − 4/(1 + e¹⁰) = 7.9998184
    const cache = new KVCache(1, 1, 1, 2, 1);
    const y = step(
      cache,
      Float32Array.of(9, -9, Math.log(3) / 2, 5),
      Float32Array.of(0, 2),
      Float32Array.of(4, 8),
      1,
      2,
      2,
    );
    [4, 4, 7, 7.9998184].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
  });

  it("reads past positions from the cache: a decode step at position 2 sees all three keys", () => {
    // After the prefill above, one more position: k_2 = 0, v_2 = 1. Head 0, q = 0: equal scores
    // over [0, 2, 0] → softmax [1/3, 1/3, 1/3] → (4 + 8 + 1)/3 = 4.3333333
    const cache = new KVCache(1, 1, 1, 3, 1);
    step(cache, Float32Array.of(0, 0, 0, 0), Float32Array.of(0, 2), Float32Array.of(4, 8), 1, 2, 2);
    const y = step(cache, Float32Array.of(0, 0), Float32Array.of(0), Float32Array.of(1), 1, 1, 2);
    expect(y[0]).toBeCloseTo(13 / 3, 6);
    expect(y[1]).toBeCloseTo(13 / 3, 6);
  });

  // GroupQueryAttention: B = 2, H = 8 query heads, H_kv = 2, d = 16 (its CPU rotary needs d % 16 = 0).
  // Prefill 6 positions, then decode 1 from the operator's own present_key/present_value.
  // Tolerance 1e-5: both sum ≤ 7 float32 terms of |v| ≲ 4; a wrong group (h mod H_kv instead of
  // ⌊h / group⌋) or a missed cached position is off by O(|v|).
  const [B, T, H, Hkv, d] = [2, 6, 8, 2, 16];
  const q = randomArray(B * T * H * d, 11);
  const k = randomArray(B * T * Hkv * d, 12);
  const v = randomArray(B * T * Hkv * d, 13);
  const q1 = randomArray(B * H * d, 14);
  const k1 = randomArray(B * Hkv * d, 15);
  const v1 = randomArray(B * Hkv * d, 16);

  it("equals com.microsoft.GroupQueryAttention (H = 8, H_kv = 2): prefill, then a decode step from the cache", async () => {
    const cache = new KVCache(1, Hkv, d, T + 1, B);
    const prefill = step(cache, q, k, v, B, T, H);
    const decode = step(cache, q1, k1, v1, B, 1, H);
    const first = await ortGroupQueryAttention(q, k, v, null, B, T, H, Hkv, d);
    const past = { key: first.presentKey, value: first.presentValue };
    const second = await ortGroupQueryAttention(q1, k1, v1, past, B, 1, H, Hkv, d);
    expect(maxAbsDiff(prefill, first.y)).toBeLessThan(1e-5); // measured ~4e-7
    expect(maxAbsDiff(decode, second.y)).toBeLessThan(1e-5);
  });

  it("with RoPE before the cache, equals GroupQueryAttention's do_rotary, and both caches hold ROTATED keys", async () => {
    const invFreq = inverseFrequencies(d, 10000);
    const cache = new KVCache(1, Hkv, d, T + 1, B);
    const run = (qx: Float32Array, kx: Float32Array, vx: Float32Array, n: number) => {
      const r = { p0: cache.length, invFreq };
      return step(cache, rope(qx, B, n, H, d, r), rope(kx, B, n, Hkv, d, r), vx, B, n, H);
    };
    const prefill = run(q, k, v, T);
    const decode = run(q1, k1, v1, 1);
    const rotary = { invFreq, interleaved: 0 as const, positions: T + 1 };
    const first = await ortGroupQueryAttention(q, k, v, null, B, T, H, Hkv, d, rotary);
    const past = { key: first.presentKey, value: first.presentValue };
    const second = await ortGroupQueryAttention(q1, k1, v1, past, B, 1, H, Hkv, d, rotary);
    expect(maxAbsDiff(prefill, first.y)).toBeLessThan(1e-5);
    expect(maxAbsDiff(decode, second.y)).toBeLessThan(1e-5);
    // ORT's present_key [B, H_kv, T + 1, d] is our cache's keys [B, H_kv, capacity = T + 1, d]
    expect(maxAbsDiff(cache.keys[0] as Float32Array, second.presentKey.data as Float32Array)).toBeLessThan(
      1e-5,
    );
    // position 3 of sequence 0, KV head 0, is k rotated by 3·θ, not k itself
    const cached = cache.keys[0].subarray(3 * d, 4 * d);
    const raw = k.subarray(3 * Hkv * d, 3 * Hkv * d + d);
    expect(maxAbsDiff(cached, raw)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(cached, rope(raw, 1, 1, 1, d, { p0: 3, invFreq }))).toBeLessThan(1e-6);
  });

  it("on the Llama specimen: token-by-token decoding through the cache equals one pass over the sequence", () => {
    const model = llamaSpecimen();
    const ids = promptIds(20);
    const V = model.config.vocab_size;
    const full = forwardPass(model, ids, 1, ids.length); // the specimen's own attention, no cache
    const cache = KVCache.for(model.config, 1, ids.length);
    expect(cache.heads).toBe(2); // H_kv: the cache is 8/2 = 4× smaller than GPT-2-style MHA
    const prefill = forwardPass(model, ids.slice(0, 12), 1, 12, { cache, attention: gqaAttention });
    expect(maxAbsDiff(prefill, full.subarray(0, 12 * V))).toBeLessThan(1e-4);
    for (let t = 12; t < ids.length; t++) {
      const logits = forwardPass(model, [ids[t]], 1, 1, { cache, attention: gqaAttention });
      expect(maxAbsDiff(logits, full.subarray(t * V, (t + 1) * V))).toBeLessThan(1e-4);
    }
  });

  it("why keys are cached rotated: rotating on read gives the same logits with far more rotations", () => {
    // Rotated cache: each new key is rotated once, when stored: L·H_kv rotations per token.
    // Rotate-on-read: every read of (layer, query head) rotates all `total` stored keys again.
    // Prefill 4 then decode 4 (totals 4, 5, 6, 7, 8), L = 4 layers, H = 8 query heads:
    //   rotate-on-read = 4·8·(4 + 5 + 6 + 7 + 8) = 960     rotated cache = 4·2·8 = 64
    const model = llamaSpecimen();
    const c = model.config;
    const ids = promptIds(8, 3);
    const full = forwardPass(model, ids, 1, 8);
    const store = new RotateOnReadCache(
      c.num_hidden_layers,
      c.num_key_value_heads,
      c.head_dim,
      8,
      1,
      ropeFrequencies(c, 8).invFreq,
    );
    const hooks = {
      cache: store,
      attention: gqaAttention,
      // rotate q only: the store rotates the keys when they are read
      rope: (
        _l: number,
        which: "q" | "k",
        x: Float32Array,
        B: number,
        T: number,
        heads: number,
        dh: number,
        r: { p0: number; invFreq: Float64Array },
      ) => (which === "q" ? rope(x, B, T, heads, dh, r) : x),
    };
    const V = c.vocab_size;
    const prefill = forwardPass(model, ids.slice(0, 4), 1, 4, hooks);
    expect(maxAbsDiff(prefill, full.subarray(0, 4 * V))).toBeLessThan(1e-4);
    for (let t = 4; t < 8; t++)
      expect(
        maxAbsDiff(forwardPass(model, [ids[t]], 1, 1, hooks), full.subarray(t * V, (t + 1) * V)),
      ).toBeLessThan(1e-4);
    expect(store.rotations).toBe(960);
  });

  it("refuses key/value heads that do not divide the query heads, in one line", () => {
    const cache = new KVCache(1, 3, 2, 1, 1);
    cache.append(0, new Float32Array(6), new Float32Array(6), 1, 1);
    expect(() => gqaAttention(0, new Float32Array(8), cache, 1, 1, 4)).toThrow(
      "gqa: 3 key/value heads do not divide 4 query heads",
    );
  });
});
