import { beforeAll, describe, expect, it } from "vitest";
import type { GPT } from "@llm-labs/model";
import {
  doubleDequantize,
  doubleQuantize,
  nf4Bytes,
  roundHalfEven,
  scaleBitsPerWeight,
} from "../src/double-quant.ts";
import { dequantizeNf4Linear, quantizeNf4Linear } from "../src/nf4.ts";
import { packBnb4 } from "../src/bnb4.ts";
import { ortMatMulBnb4 } from "../src/ort-reference.ts";
import { linearRef, maxAbsDiff, randomArray, targetModel } from "./util.ts";

let base: GPT;
beforeAll(() => {
  base = targetModel();
});

describe("exercise: double-quant", () => {
  it("a hand example: absmax [1, 2, 3, 6] → μ = 3, deviations [−2, −1, 0, 3], step 3/127, q = [−85, −42, 0, 127]", () => {
    // 127·(−2)/3 = −84.67 → −85;  127·(−1)/3 = −42.33 → −42
    const dq = doubleQuantize(Float32Array.from([1, 2, 3, 6]), 256);
    expect(dq.mean).toBe(3);
    expect(dq.scales[0]).toBe(Math.fround(3 / 127));
    expect(Array.from(dq.q)).toEqual([-85, -42, 0, 127]);
    const back = doubleDequantize(dq);
    for (const [i, v] of [1, 2, 3, 6].entries())
      expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(1.5 / 127 + 1e-6);
  });
  it("one scale per block of 256, and a block whose values all equal the mean", () => {
    const c = new Float32Array(300).fill(2);
    c[3] = 4;
    c[5] = 0; // block 0 deviates by ±2; block 1 (44 values) is all at the mean
    const dq = doubleQuantize(c, 256);
    expect(dq.scales.length).toBe(2);
    expect(dq.scales[1]).toBe(Math.fround(Math.abs(2 - dq.mean) / 127));
    const back = doubleDequantize(dq);
    expect(maxAbsDiff(back, c)).toBeLessThanOrEqual(dq.scales[0] / 2 + 1e-6);
  });
  it("on the target's real absmax values (layer 0 c_fc, 1,024 blocks of 64): within half a step, and ORT agrees", async () => {
    const K = 128;
    const N = 512;
    const W = base.params.h[0].c_fc.weight;
    const q = quantizeNf4Linear(W, K, N, 64);
    const dq = doubleQuantize(q.absmax, 256);
    const absmax = doubleDequantize(dq);
    for (let i = 0; i < absmax.length; i++)
      expect(Math.abs(absmax[i] - q.absmax[i])).toBeLessThanOrEqual(
        dq.scales[Math.floor(i / 256)] / 2 + 1e-7,
      );
    const M = 3;
    const a = randomArray(M * K, 2);
    const ort = await ortMatMulBnb4(a, M, K, N, 64, packBnb4(q.codes), absmax);
    expect(
      maxAbsDiff(ort, linearRef(a, dequantizeNf4Linear(q, K, N, absmax), new Float32Array(N), M, K, N)),
    ).toBeLessThan(1e-4);
  });
});

describe("the bytes double quantization saves (QLoRA §3)", () => {
  it("scale bits per weight: 32/64 = 0.5 without, 8/64 + 32/(64·256) = 0.127 with: 0.373 saved", () => {
    expect(scaleBitsPerWeight(64, false)).toBe(0.5);
    expect(scaleBitsPerWeight(64, true)).toBeCloseTo(0.126953125, 12);
    expect(scaleBitsPerWeight(64, false) - scaleBitsPerWeight(64, true)).toBeCloseTo(0.373, 3);
  });
  it("the paper's 'about 3 GB' for a 65B model: 65·10⁹ · 0.373 / 8 bytes", () => {
    const saved = (65e9 * (scaleBitsPerWeight(64, false) - scaleBitsPerWeight(64, true))) / 8;
    expect(saved / 1e9).toBeGreaterThan(2.9);
    expect(saved / 1e9).toBeLessThan(3.1);
  });
  it("bytes of 16,384 weights: 8,192 of codes + 256 absmax as 1,024 fp32 bytes, or 256 int8 + one fp32 scale + the fp32 mean", () => {
    expect(nf4Bytes(16384, 64, false)).toBe(8192 + 1024);
    expect(nf4Bytes(16384, 64, true)).toBe(8192 + 256 + 4 + 4);
  });
});

describe("lab 05's own round half to even (double quantization's rounding)", () => {
  it("ties go to the even neighbour, everything else to the nearest integer", () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, -0, -2, -2, -4,
    ]);
    expect([0.49, 0.51, 2.4999, 2.5001, -2.4999, -2.5001, 126.7, -127.2].map(roundHalfEven)).toEqual([
      0, 1, 2, 3, -2, -3, 127, -127,
    ]);
  });
});
