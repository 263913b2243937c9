import { describe, expect, it } from "vitest";
import { forward } from "@llm-labs/model";
import { argmax } from "@llm-labs/tensor";
import { KVCache, forwardWithCache } from "../src/kv-cache.ts";
import { maxAbsDiff, PROMPT, targetModel } from "./util.ts";

describe("exercise: kv-cache-append", () => {
  const model = targetModel();
  const V = model.config.vocab_size;
  const N = model.config.n_positions;

  it("prefill + one-token decode steps give the specimen's full-recompute logits at every position up to 128 (≤ 1e-5)", () => {
    // Generate greedily with OUR attention and cache until the context is full.
    const cache = KVCache.for(model.config);
    const seq = [...PROMPT];
    const stepLogits: Float32Array[] = [];
    let out = forwardWithCache(model, seq, cache); // prefill
    stepLogits.push(out.slice((seq.length - 1) * V));
    while (seq.length < N) {
      const next = argmax(stepLogits[stepLogits.length - 1]);
      seq.push(next);
      out = forwardWithCache(model, [next], cache); // one token
      expect(out.length).toBe(V);
      stepLogits.push(out);
    }
    expect(cache.length).toBe(N);
    // The expected values: ONE specimen forward (no cache) over the whole sequence.
    // Causality means its row t is exactly what a full recompute of the prefix
    // 0..t would give, so row t is the reference for step t.
    const full = forward(model, seq.slice(0, N), 1, N).logits;
    let worst = 0;
    for (let s = 0; s < stepLogits.length; s++) {
      const t = PROMPT.length - 1 + s;
      worst = Math.max(worst, maxAbsDiff(stepLogits[s], full.subarray(t * V, (t + 1) * V)));
    }
    expect(stepLogits.length).toBe(N - PROMPT.length + 1);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it("prefill in chunks (4 + 3 + 1 tokens) equals one prefill of 8", () => {
    const a = KVCache.for(model.config);
    const b = KVCache.for(model.config);
    const ids = PROMPT.slice(0, 8);
    const whole = forwardWithCache(model, ids, a);
    forwardWithCache(model, ids.slice(0, 4), b);
    forwardWithCache(model, ids.slice(4, 7), b);
    const last = forwardWithCache(model, ids.slice(7), b);
    expect(maxAbsDiff(last, whole.subarray(7 * V))).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.keys[3].subarray(0, 8 * 32), b.keys[3].subarray(0, 8 * 32))).toBeLessThan(1e-5);
  });

  it("stores head h's key of token t at row h·capacity + t, as the forward pass hands them over", () => {
    const cache = new KVCache(1, 2, 4, 5); // 1 layer, 2 heads of d = 2, capacity 5
    const T = 2;
    // k, v rows [T, H·d]: key of token t, head h, element e = 100·t + 10·h + e; value = −key
    const k = new Float32Array(T * 4);
    const v = new Float32Array(T * 4);
    for (let t = 0; t < T; t++)
      for (let h = 0; h < 2; h++)
        for (let e = 0; e < 2; e++) {
          k[t * 4 + h * 2 + e] = 100 * t + 10 * h + e;
          v[t * 4 + h * 2 + e] = -(100 * t + 10 * h + e);
        }
    cache.append(0, k, v, 1, T);
    cache.advance(T);
    // head 1, token 1 → row 1·5 + 1 = 6 → elements 12, 13
    expect(Array.from(cache.keys[0].subarray(12, 14))).toEqual([110, 111]);
    expect(Array.from(cache.values[0].subarray(12, 14))).toEqual([-110, -111]);
    // head 0 → rows 0 and 1: tokens 0 and 1
    expect(Array.from(cache.keys[0].subarray(0, 4))).toEqual([0, 1, 100, 101]);
    // a second append lands after the first: token 2 of head 0 → row 2 → elements 4, 5
    cache.append(0, Float32Array.from([7, 8, 9, 10]), Float32Array.from([0, 0, 0, 0]), 1, 1);
    expect(Array.from(cache.keys[0].subarray(4, 6))).toEqual([7, 8]);
    expect(Array.from(cache.keys[0].subarray(14, 16))).toEqual([9, 10]); // head 1 → row 5 + 2 = 7 → elements 14, 15
  });

  it("keeps sequences of a batch apart: sequence b, head h, token t at row (b·H + h)·capacity + t", () => {
    const cache = new KVCache(1, 1, 2, 3, 2); // 1 head of d = 2, capacity 3, batch 2
    // k [B = 2, T = 1, d = 2]: sequence 0 → [1, 2], sequence 1 → [3, 4]
    cache.append(0, Float32Array.from([1, 2, 3, 4]), Float32Array.from([5, 6, 7, 8]), 2, 1);
    // sequence 1 → row (1·1 + 0)·3 + 0 = 3 → elements 6, 7
    expect(Array.from(cache.keys[0].subarray(6, 8))).toEqual([3, 4]);
    expect(Array.from(cache.values[0].subarray(6, 8))).toEqual([7, 8]);
    expect(Array.from(cache.keys[0].subarray(0, 2))).toEqual([1, 2]);
  });

  it("refuses a cache of the wrong shape, and running past the capacity", () => {
    const wrong = new KVCache(2, 4, 128, 128);
    expect(() => forwardWithCache(model, [1, 2], wrong)).toThrow(/2 layers .* the model needs 4 layers/);
    const small = new KVCache(4, 4, 128, 4);
    forwardWithCache(model, [1, 2, 3], small);
    expect(() => forwardWithCache(model, [4, 5], small)).toThrow(/exceed the capacity 4/);
    expect(() => new KVCache(4, 3, 128, 8)).toThrow(/3 heads do not divide the model width 128/);
    expect(() => new KVCache(4, 4, 128, 0)).toThrow(/capacity must be a positive integer/);
  });
});
