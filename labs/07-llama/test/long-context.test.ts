// src/long-context.ts: stretching RoPE past the trained context (no exercises here).
import {
  KVCache,
  createLlama,
  forwardPass,
  heldoutLoss,
  parseLlamaConfig,
  ropeForward,
  ropeFrequencies,
} from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import {
  METHODS,
  bucketLoss,
  ntkBase,
  positionBuckets,
  stretched,
  withRopeScaling,
  windowLoss,
} from "../src/long-context.ts";
import { llamaSpecimen, maxAbsDiff, promptIds, randomArray } from "./util.ts";

describe("long context: RoPE scaling", () => {
  it("withRopeScaling goes through the package schema: a missing factor is refused", () => {
    const m = llamaSpecimen();
    expect(withRopeScaling(m, { rope_type: "linear", factor: 2 }).config.rope_scaling?.factor).toBe(2);
    expect(() => withRopeScaling(m, { rope_type: "linear" })).toThrow(/factor/);
    // the weights are shared, not copied
    expect(withRopeScaling(m, null).params).toBe(m.params);
  });

  it("factor 1: every method gives the frequencies and the logits of no scaling on a short window", () => {
    const m = llamaSpecimen();
    const ids = promptIds(48, 3);
    const plain = forwardPass(m, ids, 1, ids.length);
    const f0 = ropeFrequencies(m.config, 512);
    for (const method of METHODS) {
      const s = stretched(m, method, 1);
      // PI divides by 1, NTK multiplies the base by 1^(8/7), dynamic waits for T > 512,
      // YaRN's ramp mixes θ/1 and θ, and its temperature is 0.1·ln 1 + 1 = 1
      const f = ropeFrequencies(s.config, 512);
      expect(maxAbsDiff(f.invFreq, f0.invFreq), method).toBeLessThan(1e-15);
      expect(f.attentionScaling, method).toBe(1);
      expect(maxAbsDiff(forwardPass(s, ids, 1, ids.length), plain), method).toBe(0);
    }
  });

  it("position interpolation with factor s at position p rotates as no scaling at p/s", () => {
    // PI: θ'_i = θ_i / s, so the angle at p is p·θ_i/s = (p/s)·θ_i. With s = 2, row 2j of
    // positions 0 … 2J−1 under PI equals row j of positions 0 … J−1 unscaled.
    const m = llamaSpecimen();
    const d = m.config.head_dim;
    const heads = 2;
    const J = 40;
    const pi = ropeFrequencies(stretched(m, "PI", 2).config, 2 * J);
    const none = ropeFrequencies(m.config, J);
    const row = randomArray(heads * d, 5);
    const x2 = new Float32Array(2 * J * heads * d);
    for (let t = 0; t < 2 * J; t++) x2.set(row, t * heads * d);
    const yPI = new Float32Array(x2.length);
    ropeForward(yPI, x2, 1, 2 * J, heads, d, { invFreq: pi.invFreq });
    const x1 = x2.subarray(0, J * heads * d);
    const yNone = new Float32Array(x1.length);
    ropeForward(yNone, x1, 1, J, heads, d, { invFreq: none.invFreq });
    for (const j of [0, 1, 7, 39]) {
      const a = yPI.subarray(2 * j * heads * d, (2 * j + 1) * heads * d);
      const b = yNone.subarray(j * heads * d, (j + 1) * heads * d);
      expect(maxAbsDiff(a, b), `p = ${2 * j}`).toBeLessThan(1e-6);
    }
  });

  it("NTK base b·s^(d/(d−2)): pair 0 keeps θ = 1, the slowest pair is divided by s", () => {
    // d = 16, b = 10⁴, s = 4: b' = 10⁴ · 4^(16/14) = 10⁴ · 4^(8/7) ≈ 48,760
    const b2 = ntkBase(10000, 4, 16);
    expect(b2).toBeCloseTo(10000 * 4 ** (8 / 7), 6);
    expect(b2).toBeGreaterThan(48_000);
    expect(b2).toBeLessThan(49_000);
    const m = llamaSpecimen();
    const plain = ropeFrequencies(m.config, 2048).invFreq;
    const ntk = ropeFrequencies(stretched(m, "NTK", 4).config, 2048).invFreq;
    expect(ntk[0]).toBe(1);
    expect(ntk[7]).toBeCloseTo(plain[7] / 4, 12); // θ_7 = b'^(−14/16) = b^(−14/16) / 4
    // HF's dynamic NTK with factor 1 at T = 2L is the fixed base change for s = 2:
    // bracket s·T/L − (s − 1) = 1·2 − 0 = 2
    const dyn = withRopeScaling(m, {
      rope_type: "dynamic",
      factor: 1,
      original_max_position_embeddings: 512,
    });
    const ntk2 = ropeFrequencies(stretched(m, "NTK", 2).config, 1024).invFreq;
    expect(maxAbsDiff(ropeFrequencies(dyn.config, 1024).invFreq, ntk2)).toBeLessThan(1e-15);
  });

  it("YaRN at s = 4: temperature 0.1·ln 4 + 1, fast pairs kept, slow pairs divided by 4", () => {
    const m = llamaSpecimen();
    const plain = ropeFrequencies(m.config, 2048).invFreq;
    const y = ropeFrequencies(stretched(m, "YaRN", 4).config, 2048);
    expect(y.attentionScaling).toBeCloseTo(0.1 * Math.log(4) + 1, 12); // 1.138629
    // dim(r) = d·ln(L/(2πr)) / (2 ln b): dim(32) = 16·ln(512/201.06)/18.42 = 0.81 → low = 0;
    // dim(1) = 16·ln(512/6.283)/18.42 = 3.82 → high = 4. Pair 0 kept, pairs ≥ 4 interpolated.
    expect(y.invFreq[0]).toBe(plain[0]);
    for (let i = 4; i < 8; i++) expect(y.invFreq[i]).toBeCloseTo(plain[i] / 4, 15);
    // pair 2: ramp (2 − 0)/4 = 0.5, so θ' = θ·(0.5/4 + 0.5) = 0.625·θ
    expect(y.invFreq[2]).toBeCloseTo(0.625 * plain[2], 15);
  });
});

describe("long context: loss by position", () => {
  it("windowLoss averages to heldoutLoss on the same windows (an independent implementation)", () => {
    const m = llamaSpecimen();
    const tokens = promptIds(2 * 64 + 1, 9);
    const loss = windowLoss(m, tokens, 64);
    expect(loss.length).toBe(64);
    expect(bucketLoss(loss, 0, 64)).toBeCloseTo(heldoutLoss(m, tokens, 64), 5);
  });

  it("buckets: the mean of each range of positions, by hand", () => {
    const loss = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(positionBuckets(loss, 4)).toEqual([1.5, 5.5]); // (0+1+2+3)/4, (4+5+6+7)/4
    expect(bucketLoss(loss, 2, 5)).toBe(3); // (2+3+4)/3
  });

  it("the Llama runs past its trained context: there is no position table to run off", () => {
    // the specimen itself a little past 512 …
    const m = llamaSpecimen();
    const tokens = promptIds(600, 4);
    const loss = windowLoss(m, tokens, 560);
    expect(loss.every(Number.isFinite)).toBe(true);
    // … its KV cache may hold 2048 positions (4 × max_position_embeddings), and the last 8 of
    // them run (the 2040 earlier slots are left at zero: keys of 0 score 0, values add 0) …
    const cache = KVCache.for(m.config, 1, 2048);
    expect(cache.capacity).toBe(2048);
    cache.length = 2040;
    const last = forwardPass(stretched(m, "YaRN", 4), promptIds(8, 6), 1, 8, { cache });
    expect(last.length).toBe(8 * m.config.vocab_size);
    expect(last.every(Number.isFinite)).toBe(true);
    // … and a tiny Llama of the same kind at 2048 = 4 × its max_position_embeddings
    const tiny = createLlama(
      parseLlamaConfig({
        ...m.config,
        hidden_size: 16,
        intermediate_size: 32,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        head_dim: 8,
        vocab_size: 32,
        bos_token_id: 31,
        eos_token_id: 31,
      }),
      1,
    );
    const ids = promptIds(2048, 5).map((v) => v % 32);
    const logits = forwardPass(stretched(tiny, "YaRN", 4), ids, 1, 2048);
    expect(logits.length).toBe(2048 * 32);
    expect(logits.every(Number.isFinite)).toBe(true);
  });
});
