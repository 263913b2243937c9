import { describe, expect, it } from "vitest";
import { forward, forwardWithLinears } from "@llm-labs/model";
import { channelAbsMax, smoothModel, smoothScales } from "../src/smoothquant.ts";
import { fakeQuantColumns, outlierColumns, w8a8Matmul } from "../src/w8a8.ts";
import { int8Linear, quantizeColumns } from "../src/int8-linear.ts";
import { floatLinear } from "../src/linear-forward.ts";
import { scaleRows } from "../src/awq.ts";
import { maxAbsDiff, randomArray, targetModel } from "./util.ts";

const T = 256;
const K = 64;
const N = 16;
function matmul(x: ArrayLike<number>, w: ArrayLike<number>): Float32Array {
  const y = new Float32Array(T * N);
  for (let t = 0; t < T; t++)
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) y[t * N + n] += x[t * K + k] * w[k * N + n];
  return y;
}
const relErr = (y: ArrayLike<number>, ref: ArrayLike<number>) => {
  let se = 0;
  let ss = 0;
  for (let i = 0; i < ref.length; i++) {
    se += (y[i] - ref[i]) ** 2;
    ss += ref[i] ** 2;
  }
  return Math.sqrt(se / ss);
};
// activations with one outlier channel (7) 60× louder in every token, as in SmoothQuant's Figure 4
const x = randomArray(T * K, 3);
for (let t = 0; t < T; t++) x[t * K + 7] *= 60;
const w = randomArray(K * N, 2, 0.1);
const ref = matmul(x, w);

describe("exercise: smoothquant-scale", () => {
  it("s_j = max|X_j|^α / max|W_j|^(1−α) (hand calculation)", () => {
    // max|X| = [4, 1]; W [2, 2] rows: max |W_0| = 1, max |W_1| = 4.
    // α = 0.5: s = [√4/√1, √1/√4] = [2, 0.5];  α = 1: s = max|X| = [4, 1];  α = 0: s = 1/max|W| = [1, 0.25]
    const wHand = [1, -0.5, 2, -4];
    expect(maxAbsDiff(smoothScales([4, 1], wHand, 2, 2, 0.5), [2, 0.5])).toBeLessThan(1e-6);
    expect(maxAbsDiff(smoothScales([4, 1], wHand, 2, 2, 1), [4, 1])).toBeLessThan(1e-6);
    expect(maxAbsDiff(smoothScales([4, 1], wHand, 2, 2, 0), [1, 0.25])).toBeLessThan(1e-6);
  });
  it("at α = 0.5 each channel's max |x/s| equals max |s·w| = √(max|X_j|·max|W_j|)", () => {
    const xm = channelAbsMax(x, T, K);
    const s = smoothScales(xm, w, K, N, 0.5);
    const ws = scaleRows(w, K, N, s);
    for (const j of [0, 7, 63]) {
      let wm = 0;
      let wm0 = 0;
      for (let n = 0; n < N; n++) {
        wm = Math.max(wm, Math.abs(ws[j * N + n]));
        wm0 = Math.max(wm0, Math.abs(w[j * N + n]));
      }
      expect(xm[j] / s[j]).toBeCloseTo(wm, 5);
      expect(wm).toBeCloseTo(Math.sqrt(xm[j] * wm0), 5);
    }
  });
  it("with an outlier channel, W8A8 after smoothing (α = 0.5) has under a third of the error of plain W8A8", () => {
    const s = smoothScales(channelAbsMax(x, T, K), w, K, N, 0.5);
    const xs = x.map((v, i) => v / s[i % K]);
    const ws = scaleRows(w, K, N, s);
    const plain = relErr(w8a8Matmul(x, T, K, N, w, fakeQuantColumns(w, K, N)), ref);
    const smooth = relErr(w8a8Matmul(xs, T, K, N, ws, fakeQuantColumns(ws, K, N)), ref);
    expect(smooth).toBeLessThan(plain / 3);
  });
  it("smoothModel folds into the target's LayerNorms without changing its logits", () => {
    const model = targetModel();
    const C = 128;
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const absMax = new Map<string, Float32Array>();
    for (let l = 0; l < 4; l++)
      for (const n of ["c_attn", "c_fc"])
        absMax.set(
          `${l}.${n}`,
          randomArray(C, l, 1).map((v) => 1 + Math.abs(v) * 3),
        );
    const sm = smoothModel(model, absMax, 0.5);
    expect(maxAbsDiff(forward(sm, ids, 1, 8).logits, forward(model, ids, 1, 8).logits)).toBeLessThan(1e-4);
  });
});

describe("W8A8 and LLM.int8()", () => {
  it("fake-quantized W8A8 equals the int32 path (int8Linear) up to float rounding", () => {
    const bias = new Float32Array(N);
    const xq = randomArray(T * K, 9);
    const real = int8Linear(xq, quantizeColumns(w, K, N), bias, T, K, N);
    const fake = w8a8Matmul(xq, T, K, N, w, fakeQuantColumns(w, K, N));
    expect(relErr(fake, real)).toBeLessThan(1e-5);
  });
  it("outlier columns are those with some |x| over the threshold", () => {
    // x [2, 3] = [[1, -7, 0], [6, 2, 6.5]]: column 1 (|−7|) and column 2 (6.5) exceed 6; column 0's 6 does not
    expect(outlierColumns([1, -7, 0, 6, 2, 6.5], 2, 3, 6)).toEqual([1, 2]);
  });
  it("keeping the outlier column in float (threshold 6) removes most of W8A8's error", () => {
    expect(outlierColumns(x, T, K, 6)).toEqual([7]);
    const plain = relErr(w8a8Matmul(x, T, K, N, w, fakeQuantColumns(w, K, N)), ref);
    const decomposed = relErr(w8a8Matmul(x, T, K, N, w, fakeQuantColumns(w, K, N), 6), ref);
    expect(decomposed).toBeLessThan(plain / 5);
  });
  it("forwardWithLinears with floatLinear is the specimen's forward pass", () => {
    const model = targetModel();
    const ids = [10, 20, 30, 40, 50];
    expect(
      maxAbsDiff(forwardWithLinears(model, ids, 1, 5, floatLinear), forward(model, ids, 1, 5).logits),
    ).toBeLessThan(1e-5);
  });
});
