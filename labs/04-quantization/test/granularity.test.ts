import { describe, expect, it } from "vitest";
import { INT8, uintN } from "../src/quantize.ts";
import {
  dequantizeTensor,
  groupIndex,
  quantizeTensor,
  roundTripError,
  type Granularity,
} from "../src/granularity.ts";
import { randomArray, targetModel } from "./util.ts";

describe("exercise: group-index", () => {
  it("follows ONNX's scale layouts (hand-written indices)", () => {
    // x is [4, 6]
    expect(groupIndex(3, 5, 4, 6, { kind: "tensor" })).toBe(0);
    expect(groupIndex(3, 5, 4, 6, { kind: "axis", axis: 0 })).toBe(3);
    expect(groupIndex(3, 5, 4, 6, { kind: "axis", axis: 1 })).toBe(5);
    // blocks of 4 along axis 1: scales [4, 2]; (3, 5) → row 3, block 1 → 7
    expect(groupIndex(3, 5, 4, 6, { kind: "block", axis: 1, blockSize: 4 })).toBe(7);
    // blocks of 2 along axis 0: scales [2, 6]; (3, 5) → block 1, column 5 → 11
    expect(groupIndex(3, 5, 4, 6, { kind: "block", axis: 0, blockSize: 2 })).toBe(11);
  });
  it("per-channel error is no larger than per-tensor on a matrix with one loud column", () => {
    const R = 16;
    const C = 8;
    const x = randomArray(R * C, 5, 0.1);
    for (let i = 0; i < R; i++) x[i * C + 3] *= 50;
    // error on the quiet columns: per tensor they share the loud column's coarse grid
    const quiet = (a: ArrayLike<number>) => Array.from(a).filter((_, k) => k % C !== 3);
    const err = (g: Granularity) =>
      roundTripError(quiet(x), quiet(dequantizeTensor(quantizeTensor(x, R, C, g, INT8, true)))).mse;
    expect(err({ kind: "axis", axis: 1 })).toBeLessThan(err({ kind: "tensor" }) / 100);
  });
});

describe("granularity on the target's real weights", () => {
  it("per-channel and group-wise INT4 errors shrink with finer groups", () => {
    const w = targetModel().params.h[0].c_fc.weight; // [128, 512]
    const R = 128;
    const C = 512;
    const t = uintN(4);
    const mse = (g: Granularity) => roundTripError(w, dequantizeTensor(quantizeTensor(w, R, C, g, t))).mse;
    const tensor = mse({ kind: "tensor" });
    const channel = mse({ kind: "axis", axis: 1 });
    const g32 = mse({ kind: "block", axis: 0, blockSize: 32 });
    expect(channel).toBeLessThan(tensor);
    expect(g32).toBeLessThan(channel);
  });
});
