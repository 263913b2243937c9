// H = 2XᵀX/T + λI, checked by hand and by the quadratic form it stands for.
import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { hessian } from "../src/hessian.ts";
import { maxAbsDiff } from "./helpers.ts";

describe("hessian", () => {
  it("by hand: X = [[1, 2], [3, 4]], T = 2", () => {
    // XᵀX = [[1·1 + 3·3, 1·2 + 3·4], [·, 2·2 + 4·4]] = [[10, 14], [14, 20]]; 2XᵀX/T = the same (T = 2)
    // mean diagonal (10 + 20)/2 = 15, λ = 1% of it = 0.15 on the diagonal
    expect(maxAbsDiff(hessian([1, 2, 3, 4], 2, 2), [10.15, 14, 14, 20.15])).toBeLessThan(1e-12);
    // no dampening: exactly 2XᵀX/T
    expect(Array.from(hessian([1, 2, 3, 4], 2, 2, 0))).toEqual([10, 14, 14, 20]);
  });
  it("a dead input still gets λ, and all inputs dead gives the identity (any W is then optimal)", () => {
    // X = [[2, 0], [2, 0]], T = 2: 2XᵀX/T = [[8, 0], [0, 0]], mean diagonal 4, λ = 0.04
    expect(maxAbsDiff(hessian([2, 0, 2, 0], 2, 2), [8.04, 0, 0, 0.04])).toBeLessThan(1e-12);
    expect(Array.from(hessian([0, 0, 0, 0, 0, 0], 3, 2))).toEqual([1, 0, 0, 1]);
  });
  it("Δwᵀ·H·Δw = 2‖X·Δw‖²/T + λ‖Δw‖² for any Δw (the output error it is the Hessian of)", () => {
    const T = 50;
    const K = 7;
    const rng = new Rng(3);
    const x = Float64Array.from({ length: T * K }, () => rng.normal(0, 1));
    const dw = Float64Array.from({ length: K }, () => rng.normal(0, 1));
    const H = hessian(x, T, K, 0.01);
    let quad = 0;
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) quad += dw[i] * H[i * K + j] * dw[j];
    let err = 0;
    for (let t = 0; t < T; t++) {
      let y = 0;
      for (let k = 0; k < K; k++) y += x[t * K + k] * dw[k];
      err += y * y;
    }
    let meanDiag = 0;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += x[t * K + k] ** 2;
      meanDiag += (2 * s) / T / K;
    }
    const norm2 = dw.reduce((s, v) => s + v * v, 0);
    expect(quad).toBeCloseTo((2 * err) / T + 0.01 * meanDiag * norm2, 9);
  });
  it("X of the wrong size is an error", () => {
    expect(() => hessian([1, 2, 3], 2, 2)).toThrow(/X must be \[2, 2\], got 3 values/);
  });
});
