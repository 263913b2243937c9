// The Tensor type and its shape checks: the error messages are part of the API.
import { describe, expect, it } from "vitest";
import { assertShape, maxAbsDiff, numel, shapeOf, tensor, zeros } from "../src/index.ts";

describe("tensor", () => {
  it("wraps data with a shape, row-major", () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.shape).toEqual([2, 3]);
    expect(t.data[1 * 3 + 2]).toBe(6); // element [1, 2]
    expect(shapeOf(t)).toBe("[2, 3]");
  });

  it("says how many elements a shape needs", () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(
      "tensor: shape [2, 2] needs 4 elements, but the data has 3",
    );
    expect(() => tensor([1, 2], [2, -1])).toThrow("tensor: shape [2, -1] must hold non-negative integers");
  });

  it("zeros and numel", () => {
    expect(numel([])).toBe(1);
    expect(numel([2, 3, 4])).toBe(24);
    const z = zeros([2, 2]);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0]);
  });

  it("assertShape accepts -1 as any size and names the place in its message", () => {
    const q = zeros([7, 32]);
    expect(() => assertShape(q, [-1, 32], "attention q")).not.toThrow();
    expect(() => assertShape(q, [-1, 64], "attention q")).toThrow(
      "attention q: expected shape [*, 64], got [7, 32]",
    );
    expect(() => assertShape(q, [7, 32, 1], "attention q")).toThrow(
      "attention q: expected shape [7, 32, 1], got [7, 32]",
    );
  });
});

describe("maxAbsDiff", () => {
  it("is the largest |a_i − b_i|, worked by hand", () => {
    // |1−1| = 0, |−2−1| = 3, |0.5−0.25| = 0.25 → 3
    expect(maxAbsDiff([1, -2, 0.5], Float32Array.from([1, 1, 0.25]))).toBe(3);
  });
  it("refuses arrays of different lengths instead of comparing part of one", () => {
    expect(() => maxAbsDiff([1, 2], [1])).toThrow("maxAbsDiff: lengths differ (2 vs 1)");
  });
});
