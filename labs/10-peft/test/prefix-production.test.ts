import { join } from "node:path";
import type { PreTrainedModel } from "@huggingface/transformers";
import {
  checkpointDir,
  forwardPass,
  type GPT,
  heldoutTokens,
  KVCache,
  loadCheckpoint,
  loadTransformersModel,
  OrtGPT,
} from "@llm-labs/model";
import { maxAbsDiff, Rng, randn } from "@llm-labs/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prefixCache, prefixFromCache } from "../src/prefix.ts";
import { ortLogitsWithPrefix, transformersLogitsWithPrefix } from "../src/prefix-production.ts";

// A prefix of P = 5 random keys and values on the target checkpoint (L = 4, C = 128).
// std 1: the target's own keys have an rms of 0.8 … 1.1 per layer, its values 0.3 … 0.7.
// float32 through three different kernels gives ~1e-5 on logits of size ~10.
const P = 5;
const T = 12;
const TOL = 1e-4;

describe("prefix as past_key_values", () => {
  let model: GPT;
  let ort: OrtGPT;
  let tjs: PreTrainedModel;
  let prefix: Float32Array; // [L, 2, P, C]
  let ids: number[]; // 2·T held-out tokens: sequence 0, then sequence 1
  beforeAll(async () => {
    const dir = checkpointDir("target");
    model = loadCheckpoint(dir);
    ort = await OrtGPT.load(model.config, join(dir, "onnx", "model.onnx"));
    tjs = await loadTransformersModel(dir);
    const { n_layer: L, n_embd: C } = model.config;
    prefix = randn(new Rng(10), [L * 2 * P * C], 1).data;
    ids = await heldoutTokens(2 * T);
  });
  afterAll(async () => {
    await Promise.all([ort?.release(), tjs?.dispose()]);
  });

  // Logits [B·T, V] of our forward with the prefix in the cache.
  const tsLogits = (x: number[], B: number) =>
    forwardPass(model, x, B, x.length / B, { cache: prefixCache(model, prefix, P, B, x.length / B) });

  it("TS, ONNX Runtime and transformers.js give the same logits, and the prefix changes them", async () => {
    const x = ids.slice(0, T);
    const ts = tsLogits(x, 1);
    const fromOrt = await ortLogitsWithPrefix(ort, prefix, P, x);
    const fromTjs = await transformersLogitsWithPrefix(tjs, prefix, P, x);
    expect(fromOrt.length).toBe(T * model.config.vocab_size);
    expect(maxAbsDiff(ts, fromOrt)).toBeLessThan(TOL);
    expect(maxAbsDiff(ts, fromTjs)).toBeLessThan(TOL);
    // a runtime that ignored the past would give the plain model's logits
    expect(maxAbsDiff(ts, forwardPass(model, x, 1, T))).toBeGreaterThan(1e-2);
  });

  it("B = 2: two different sequences behind the same prefix, row by row as B = 1", async () => {
    const ts = tsLogits(ids, 2);
    const fromOrt = await ortLogitsWithPrefix(ort, prefix, P, ids, 2);
    const fromTjs = await transformersLogitsWithPrefix(tjs, prefix, P, ids, 2);
    expect(maxAbsDiff(ts, fromOrt)).toBeLessThan(TOL);
    expect(maxAbsDiff(ts, fromTjs)).toBeLessThan(TOL);
    const half = T * model.config.vocab_size;
    const second = await ortLogitsWithPrefix(ort, prefix, P, ids.slice(T), 1);
    expect(maxAbsDiff(fromOrt.subarray(half), second)).toBeLessThan(TOL);
  });

  it("the model's own cache of 5 tokens, as a prefix, continues them exactly", async () => {
    // run all T tokens at once; then cache the first P and feed the rest behind them as a prefix
    const V = model.config.vocab_size;
    const x = ids.slice(0, T);
    const whole = forwardPass(model, x, 1, T).subarray(P * V); // logits of tokens P … T-1
    const seen = KVCache.for(model.config, 1, P);
    forwardPass(model, x.slice(0, P), 1, P, { cache: seen });
    const own = prefixFromCache(seen, P) as Float32Array;
    expect(maxAbsDiff(await ortLogitsWithPrefix(ort, own, P, x.slice(P)), whole)).toBeLessThan(TOL);
    expect(maxAbsDiff(await transformersLogitsWithPrefix(tjs, own, P, x.slice(P)), whole)).toBeLessThan(TOL);
  });

  it("a prefix of the wrong length is refused with both numbers", () => {
    expect(() => prefixCache(model, prefix.subarray(1), P, 1, T)).toThrow(
      "prefix: expected [4, 2, 5, 128] = 5120 numbers, got 5119",
    );
  });
});
