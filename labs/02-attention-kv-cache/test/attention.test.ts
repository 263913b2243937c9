import { describe, expect, it } from "vitest";
import { causalMask, scaledDotProductAttention } from "../src/attention.ts";
import { ortAttention } from "../src/ort-reference.ts";
import { maxAbsDiff, randomArray } from "./util.ts";

const NEG = -Infinity;

describe("exercise: causal-mask", () => {
  it("is the lower triangle when queries and keys are the same positions", () => {
    expect(Array.from(causalMask(3, 3))).toEqual([0, NEG, NEG, 0, 0, NEG, 0, 0, 0]);
  });
  it("masks nothing for a single decode-step query (it is the last position)", () => {
    expect(Array.from(causalMask(1, 4))).toEqual([0, 0, 0, 0]);
  });
  it("treats 2 queries over 4 keys as positions 2 and 3", () => {
    expect(Array.from(causalMask(2, 4))).toEqual([0, 0, 0, NEG, 0, 0, 0, 0]);
  });
});

describe("exercise: scaled-dot-product", () => {
  it("matches a hand calculation: q = [1, 0], keys e1, e2, d = 2", () => {
    // s = [1/√2, 0]; w = softmax(s); out = w0·[1, 2] + w1·[3, 4]
    const e = Math.exp(1 / Math.SQRT2);
    const w0 = e / (e + 1);
    const w1 = 1 / (e + 1);
    const out = scaledDotProductAttention(
      new Float32Array([1, 0]),
      new Float32Array([1, 0, 0, 1]),
      new Float32Array([1, 2, 3, 4]),
      1,
      2,
      2,
    );
    expect(out[0]).toBeCloseTo(w0 * 1 + w1 * 3, 6);
    expect(out[1]).toBeCloseTo(w0 * 2 + w1 * 4, 6);
  });
  it("does not overflow on huge scores (the max is subtracted before exp)", () => {
    const out = scaledDotProductAttention(
      new Float32Array([1000]),
      new Float32Array([1000, 999]),
      new Float32Array([5, 7]),
      1,
      2,
      1,
    );
    // scores 1e6 and 999000: the second weight is exp(-1000) = 0
    expect(out[0]).toBe(5);
  });
  it("with the causal mask, the first query sees only the first value; rows of the weights sum to 1", () => {
    const T = 5;
    const d = 4;
    const q = randomArray(T * d, 1);
    const k = randomArray(T * d, 2);
    const v = randomArray(T * d, 3);
    const probs = new Float32Array(T * T);
    const out = scaledDotProductAttention(q, k, v, T, T, d, causalMask(T, T), probs);
    expect(maxAbsDiff(out.subarray(0, d), v.subarray(0, d))).toBeLessThan(1e-7);
    for (let i = 0; i < T; i++) {
      let s = 0;
      for (let j = 0; j < T; j++) s += probs[i * T + j];
      expect(s).toBeCloseTo(1, 6);
      for (let j = i + 1; j < T; j++) expect(probs[i * T + j]).toBe(0);
    }
  });
  it("equals ONNX Runtime's Attention (opset 23, is_causal) on random inputs, one head", async () => {
    const T = 9;
    const d = 16;
    const q = randomArray(T * d, 4);
    const k = randomArray(T * d, 5);
    const v = randomArray(T * d, 6);
    const ours = scaledDotProductAttention(q, k, v, T, T, d, causalMask(T, T));
    const ort = await ortAttention(q, k, v, T, 1, 1, d);
    expect(maxAbsDiff(ours, ort)).toBeLessThan(1e-5);
  });
});
