// softmax and logSoftmax against ORT Softmax / LogSoftmax (opset 13, axis -1).
//
// Tolerance. ORT computes exp with a vectorised polynomial (a few ulp) and sums
// the row in float32, so each output carries a relative error of up to about
// (cols + a few)·u, u = 2^-24. We allow (cols + 16)·u relative for softmax, and
// for logSoftmax (a difference of logs) (cols + 16)·u absolute plus 4 ulp of the value.
import { describe, expect, it } from "vitest";
import { Rng, logSoftmax, randn, softmax, tensor } from "../src/index.ts";
import { U, ortOp, worstRatio } from "./ort.ts";

describe("softmax", () => {
  for (const shape of [
    [1, 1],
    [3, 7],
    [2, 4, 50],
  ]) {
    it(`agrees with ORT Softmax on ${JSON.stringify(shape)}`, async () => {
      const x = randn(new Rng(shape.length * 100 + shape.at(-1)!), shape, 3);
      const ref = await ortOp("Softmax", { X: x }, { attrs: { axis: -1 }, opset: 13 });
      const cols = shape.at(-1)!;
      expect(worstRatio(softmax(x), ref, (i) => (cols + 16) * U * ref.data[i] + 1e-45)).toBeLessThanOrEqual(
        1,
      );
    });

    it(`agrees with ORT LogSoftmax on ${JSON.stringify(shape)}`, async () => {
      const x = randn(new Rng(shape.length * 200 + shape.at(-1)!), shape, 3);
      const ref = await ortOp("LogSoftmax", { X: x }, { attrs: { axis: -1 }, opset: 13 });
      const cols = shape.at(-1)!;
      const tol = (i: number) => (cols + 16) * U + 4 * U * Math.abs(ref.data[i]);
      expect(worstRatio(logSoftmax(x), ref, tol)).toBeLessThanOrEqual(1);
    });
  }

  it("stays finite for huge logits [1000, 1001] (exp(1000) alone would be Infinity)", () => {
    // softmax([1000, 1001]) = softmax([0, 1]) = [1/(1+e), e/(1+e)]
    const p = softmax(tensor([1000, 1001], [2]));
    expect(p.data.every(Number.isFinite)).toBe(true);
    expect(p.data[0]).toBeCloseTo(1 / (1 + Math.E), 7);
    expect(p.data[1]).toBeCloseTo(Math.E / (1 + Math.E), 7);
    // log softmax([0, 1]) = [-log(1 + e), -log(1 + 1/e)]
    const lp = logSoftmax(tensor([1000, 1001], [2]));
    expect(lp.data[0]).toBeCloseTo(-Math.log1p(Math.E), 6);
    expect(lp.data[1]).toBeCloseTo(-Math.log1p(1 / Math.E), 6);
  });

  it("keeps very negative logits finite in log space (-1000 vs 0)", () => {
    // softmax underflows to exactly 0 here, but log softmax is -1000 - log(1 + e^-1000) = -1000.
    expect(logSoftmax(tensor([-1000, 0], [2])).data[0]).toBe(-1000);
    expect(softmax(tensor([-1000, 0], [2])).data[0]).toBe(0);
  });

  it("refuses a scalar", () => {
    expect(() => softmax(tensor([1], []))).toThrow("softmax: needs at least one axis, got a scalar");
  });
});
