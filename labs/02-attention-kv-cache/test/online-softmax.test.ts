import { describe, expect, it } from "vitest";
import { causalMask, scaledDotProductAttention } from "../src/attention.ts";
import { newRowState, onlineSoftmaxUpdate, scoreBytes, tiledAttention } from "../src/online-softmax.ts";
import { maxAbsDiff, randomArray } from "./util.ts";

describe("exercise: online-softmax-update", () => {
  it("two blocks [1, 2] then [3] give softmax([1, 2, 3]) · v, worked by hand", () => {
    const st = newRowState(1);
    const v = new Float32Array([10, 20, 30]);
    onlineSoftmaxUpdate(st, [1, 2], v, 0, 1);
    expect(st.m).toBe(2);
    expect(st.l).toBeCloseTo(Math.exp(-1) + 1, 12);
    onlineSoftmaxUpdate(st, [3], v, 2, 1);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(st.m).toBe(3);
    expect(st.l).toBeCloseTo(z / Math.exp(3), 12); // Σ exp(s_j - 3)
    expect(st.acc[0] / st.l).toBeCloseTo((10 * Math.exp(1) + 20 * Math.exp(2) + 30 * Math.exp(3)) / z, 9);
  });
  it("survives scores of 1000 (rescaling keeps every exp ≤ 1)", () => {
    const st = newRowState(1);
    onlineSoftmaxUpdate(st, [1000], new Float32Array([4]), 0, 1);
    onlineSoftmaxUpdate(st, [1001], new Float32Array([8]), 0, 1);
    const w = 1 / (1 + Math.E); // weight of the first value
    expect(st.acc[0] / st.l).toBeCloseTo(4 * w + 8 * (1 - w), 9);
  });
  it("tiled attention equals the naive one for every block size, causal and not", () => {
    const Tq = 13;
    const Tk = 21;
    const d = 8;
    const q = randomArray(Tq * d, 11);
    const k = randomArray(Tk * d, 12);
    const v = randomArray(Tk * d, 13);
    const causal = scaledDotProductAttention(q, k, v, Tq, Tk, d, causalMask(Tq, Tk));
    const full = scaledDotProductAttention(q, k, v, Tq, Tk, d);
    for (const bs of [1, 2, 5, 8, 21, 64]) {
      expect(maxAbsDiff(tiledAttention(q, k, v, Tq, Tk, d, bs, true), causal), `block ${bs}`).toBeLessThan(
        1e-6,
      );
      expect(maxAbsDiff(tiledAttention(q, k, v, Tq, Tk, d, bs, false), full), `block ${bs}`).toBeLessThan(
        1e-6,
      );
    }
  });
  it("rejects a block size of 0", () => {
    expect(() =>
      tiledAttention(new Float32Array(4), new Float32Array(4), new Float32Array(4), 1, 1, 4, 0),
    ).toThrow(/block size must be a positive integer, got 0/);
  });
});

describe("tiling memory", () => {
  it("scores of one head at 4,096 tokens: 4096² · 4 B = 64 MiB naive; a 64×64 tile plus m, l per row: 48 KiB", () => {
    const { naive, tiled } = scoreBytes(4096, 4096, 64, 64);
    expect(naive).toBe(64 * 2 ** 20);
    expect(tiled).toBe((64 * 64 + 2 * 4096) * 4);
    expect(tiled).toBe(48 * 1024);
  });
});
