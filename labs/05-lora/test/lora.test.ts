import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { initLora, loraForward, type LoraWeights } from "../src/lora.ts";
import { linearRef, maxAbsDiff, randomArray } from "./util.ts";

// The hand example used across the tests: IN = OUT = 2, r = 1, α = 2 (s = 2).
//   W₀ = [[1, 0], [0, 1]] ([in, out]), b = [0.5, −0.5], A = [[1, 2]] ([r, in]), B = [[3], [4]] ([out, r])
const hand: LoraWeights = {
  IN: 2,
  OUT: 2,
  r: 1,
  alpha: 2,
  A: Float32Array.from([1, 2]),
  B: Float32Array.from([3, 4]),
};
const W0 = Float32Array.from([1, 0, 0, 1]);
const b0 = Float32Array.from([0.5, -0.5]);

describe("exercise: lora-forward", () => {
  it("a hand calculation: x = [1, 1] → x·W₀ + b = [1.5, 0.5], A·x = 3, s·B·(A·x) = 2·[9, 12] → [19.5, 24.5]", () => {
    const Y = new Float32Array(2);
    loraForward(Y, Float32Array.from([1, 1]), W0, b0, hand, 1);
    expect(Array.from(Y)).toEqual([19.5, 24.5]);
  });
  it("equals X·(W₀ + s·AᵀBᵀ) + b computed with plain loops", () => {
    const N = 5;
    const IN = 12;
    const OUT = 7;
    const r = 3;
    const alpha = 6;
    const X = randomArray(N * IN, 1);
    const W = randomArray(IN * OUT, 2, 0.2);
    const b = randomArray(OUT, 3, 0.1);
    const lora: LoraWeights = {
      IN,
      OUT,
      r,
      alpha,
      A: randomArray(r * IN, 4, 0.3),
      B: randomArray(OUT * r, 5, 0.3),
    };
    const Weff = new Float64Array(IN * OUT);
    for (let i = 0; i < IN; i++)
      for (let o = 0; o < OUT; o++) {
        let d = 0;
        for (let j = 0; j < r; j++) d += lora.A[j * IN + i] * lora.B[o * r + j];
        Weff[i * OUT + o] = W[i * OUT + o] + (alpha / r) * d;
      }
    const Y = new Float32Array(N * OUT);
    loraForward(Y, X, W, b, lora, N);
    expect(maxAbsDiff(Y, linearRef(X, Weff, b, N, IN, OUT))).toBeLessThan(1e-5);
  });
  it("a fresh adapter (B = 0) leaves the layer exactly as it was; A is random, not zero", () => {
    const N = 3;
    const IN = 16;
    const OUT = 8;
    const lora = initLora(IN, OUT, 4, 8, new Rng(1));
    expect(lora.B.every((v) => v === 0)).toBe(true);
    expect(lora.A.some((v) => v !== 0)).toBe(true);
    const X = randomArray(N * IN, 6);
    const W = randomArray(IN * OUT, 7);
    const b = randomArray(OUT, 8);
    const Y = new Float32Array(N * OUT).fill(99);
    loraForward(Y, X, W, b, lora, N);
    expect(maxAbsDiff(Y, linearRef(X, W, b, N, IN, OUT))).toBeLessThan(1e-5);
  });
});

describe("LoRA bad input: clear errors", () => {
  it("rank ≤ 0 or not whole, α ≤ 0", () => {
    expect(() => initLora(4, 4, 0, 8, new Rng(1))).toThrow(/rank r must be a whole number ≥ 1, got 0/);
    expect(() => initLora(4, 4, -2, 8, new Rng(1))).toThrow(/rank r/);
    expect(() => initLora(4, 4, 1.5, 8, new Rng(1))).toThrow(/rank r/);
    expect(() => initLora(4, 4, 2, 0, new Rng(1))).toThrow(/α \(alpha\) must be a number > 0, got 0/);
    expect(() => initLora(4, 4, 2, -1, new Rng(1))).toThrow(/alpha/);
    expect(() =>
      loraForward(new Float32Array(2), Float32Array.from([1, 1]), W0, b0, { ...hand, r: 0 }, 1),
    ).toThrow(/rank r/);
  });
  it("an adapter built for another layer, or A/B of the wrong size", () => {
    const wide = initLora(3, 2, 1, 1, new Rng(1));
    expect(() => loraForward(new Float32Array(2), Float32Array.from([1, 1]), W0, b0, wide, 1)).toThrow(
      /adapter is for a \[3 → 2\] layer, this layer is \[2 → 2\]/,
    );
    expect(() =>
      loraForward(
        new Float32Array(2),
        Float32Array.from([1, 1]),
        W0,
        b0,
        { ...hand, A: new Float32Array(3) },
        1,
      ),
    ).toThrow(/A must be \[r, IN\] = \[1, 2\]/);
    expect(() =>
      loraForward(
        new Float32Array(2),
        Float32Array.from([1, 1]),
        W0,
        b0,
        { ...hand, B: new Float32Array(1) },
        1,
      ),
    ).toThrow(/B must be \[OUT, r\] = \[2, 1\]/);
  });
});
