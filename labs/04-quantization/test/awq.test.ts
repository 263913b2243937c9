import { describe, expect, it } from "vitest";
import { forward } from "@llm-labs/model";
import { awqDequantize, awqQuantize, awqScales, scaleRows } from "../src/awq.ts";
import { foldInputScale } from "../src/fold.ts";
import { dequantizeInt4, quantizeRtn } from "../src/int4.ts";
import { outputError } from "../src/gptq.ts";
import { maxAbsDiff, randomArray, targetModel } from "./util.ts";

// x[T, K] ~ N(0, 1) with a few "salient" input channels 10× louder, as in the AWQ paper's Figure 2.
function salientInputs(T: number, K: number, loud: number[], seed: number): Float32Array {
  const x = randomArray(T * K, seed);
  for (let t = 0; t < T; t++) for (const j of loud) x[t * K + j] *= 10;
  return x;
}

describe("exercise: awq-scale", () => {
  it("s_j = mean|X_j|^α, normalised by √(max·min) (hand calculation)", () => {
    // columns: |x| means 1 and 4. α = 0.5 → [1, 2] / √(2·1) = [1/√2, √2]; α = 0 → all 1.
    const x = [1, -4, -1, 4]; // T = 2, K = 2
    expect(maxAbsDiff(awqScales(x, 2, 2, 0.5), [Math.SQRT1_2, Math.SQRT2])).toBeLessThan(1e-6);
    expect(Array.from(awqScales(x, 2, 2, 0))).toEqual([1, 1]);
    // α = 1: [1, 4] / 2 = [0.5, 2]
    expect(maxAbsDiff(awqScales(x, 2, 2, 1), [0.5, 2])).toBeLessThan(1e-6);
  });
  it("α = 0 is round-to-nearest: the search starts at RTN and can only go down on its inputs", () => {
    const T = 64;
    const K = 64;
    const N = 8;
    const x = salientInputs(T, K, [3], 1);
    const w = randomArray(K * N, 2, 0.1);
    const r = awqQuantize(w, K, N, x, T, 32);
    expect(r.errors[0].alpha).toBe(0);
    expect(r.errors[0].mse).toBeCloseTo(
      outputError(x, T, K, N, w, dequantizeInt4(quantizeRtn(w, K, N, 32))),
      8,
    );
    expect(Math.min(...r.errors.map((e) => e.mse))).toBe(r.errors.find((e) => e.alpha === r.alpha)!.mse);
  });
  it("with two salient input channels, AWQ's output error is under half of RTN's (INT4 g32), also on fresh inputs", () => {
    const T = 256;
    const K = 64;
    const N = 16;
    const w = randomArray(K * N, 2, 0.1);
    const cal = salientInputs(T, K, [5, 40], 1);
    const fresh = salientInputs(T, K, [5, 40], 3);
    const awq = awqDequantize(awqQuantize(w, K, N, cal, T, 32));
    const rtn = dequantizeInt4(quantizeRtn(w, K, N, 32));
    expect(outputError(cal, T, K, N, w, awq)).toBeLessThan(0.5 * outputError(cal, T, K, N, w, rtn));
    expect(outputError(fresh, T, K, N, w, awq)).toBeLessThan(0.5 * outputError(fresh, T, K, N, w, rtn));
  });
});

describe("folding a per-channel scale (AWQ, SmoothQuant)", () => {
  it("(X/s)·(diag(s)·W) = X·W before rounding", () => {
    const T = 4;
    const K = 8;
    const N = 3;
    const x = randomArray(T * K, 5);
    const w = randomArray(K * N, 6);
    const s = randomArray(K, 7).map((v) => Math.exp(v));
    const y = (a: Float32Array, b: Float32Array) =>
      Float32Array.from({ length: T * N }, (_, i) => {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a[Math.floor(i / N) * K + k] * b[k * N + (i % N)];
        return acc;
      });
    const xs = x.map((v, i) => v / s[i % K]);
    expect(maxAbsDiff(y(xs, scaleRows(w, K, N, s)), y(x, w))).toBeLessThan(1e-5);
  });
  it("into the target's LayerNorm: the model's logits do not change", () => {
    const model = targetModel();
    const ids = [5, 17, 300, 2, 9, 44, 101, 7];
    const s = randomArray(128, 8, 0.5).map((v) => Math.exp(v));
    const folded = foldInputScale(foldInputScale(model, 0, "c_attn", s), 2, "c_fc", s);
    expect(folded.params.h[0].c_attn.weight[0]).not.toBe(model.params.h[0].c_attn.weight[0]);
    const a = forward(model, ids, 1, ids.length).logits;
    const b = forward(folded, ids, 1, ids.length).logits;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    expect(() => foldInputScale(model, 0, "c_fc", new Float32Array(128))).toThrow(/positive/);
  });
});

describe("AWQ bad input", () => {
  it("refuses a group size that does not divide the width, bits outside 2–8, Infinity in weights", () => {
    const x = randomArray(8 * 48, 1);
    expect(() => awqQuantize(randomArray(48 * 2, 2), 48, 2, x, 8, 32)).toThrow(/does not divide/);
    expect(() => awqQuantize(randomArray(64 * 2, 2), 64, 2, randomArray(8 * 64, 1), 8, 32, 1)).toThrow(
      /2 to 8/,
    );
    const w = randomArray(64 * 2, 2);
    w[7] = Infinity;
    expect(() => awqQuantize(w, 64, 2, randomArray(8 * 64, 1), 8, 32)).toThrow(/element 7 is Infinity/);
  });
});
