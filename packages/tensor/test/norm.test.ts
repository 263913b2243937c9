// layerNorm and rmsNorm against ORT LayerNormalization (opset 17) and
// RMSNormalization (opset 23), both over axis -1 with the same epsilon.
//
// Tolerance. ORT accumulates the mean and the mean square in float32 over D
// terms, a relative error up to about D·u in σ² and so D·u/2 in 1/σ; the output
// (x - μ)/σ·γ + β then has error ≈ (D + a few)·u·(|y| + |β|). We allow
// (D + 16)·u·(1 + |y|), which is 100x below what a missing ε, a wrong divisor
// (D - 1 instead of D) or an unscaled γ would produce.
import { describe, expect, it } from "vitest";
import { f32 } from "@llm-labs/onnx";
import { Rng, layerNorm, randn, rmsNorm, tensor } from "../src/index.ts";
import { U, ortOp, worstRatio } from "./ort.ts";

describe("layerNorm", () => {
  // The last case has a large ε so that forgetting ε would fail the test.
  for (const [shape, eps] of [
    [[4, 16], 1e-5],
    [[2, 3, 48], 1e-6],
    [[1, 7], 0.5],
  ] as [number[], number][]) {
    it(`agrees with ORT LayerNormalization on ${JSON.stringify(shape)}, eps ${eps}`, async () => {
      const rng = new Rng(shape.at(-1)!);
      const D = shape.at(-1)!;
      const x = randn(rng, shape, 2);
      // Shift the rows so the mean matters (a bug that forgets μ would show).
      for (let i = 0; i < x.data.length; i++) x.data[i] = x.data[i] + 5;
      const gamma = randn(rng, [D]);
      const beta = randn(rng, [D]);
      const ref = await ortOp(
        "LayerNormalization",
        { X: x },
        {
          attrs: { axis: -1, epsilon: { float: eps } },
          opset: 17,
          constants: { gamma: f32(gamma.data), beta: f32(beta.data) },
        },
      );
      const ours = layerNorm(x, gamma, beta, eps);
      expect(worstRatio(ours, ref, (i) => (D + 16) * U * (1 + Math.abs(ref.data[i])))).toBeLessThanOrEqual(1);
    });
  }

  it("normalises a row worked out by hand", () => {
    // x = [1, 2, 3, 4]: μ = 2.5, σ² = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25
    // y = (x - 2.5)/sqrt(1.25) with γ = 1, β = 0 (eps = 0)
    const y = layerNorm(
      tensor([1, 2, 3, 4], [1, 4]),
      tensor([1, 1, 1, 1], [4]),
      tensor([0, 0, 0, 0], [4]),
      0,
    );
    const s = Math.sqrt(1.25);
    [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s].forEach((v, i) => expect(y.data[i]).toBeCloseTo(v, 6));
  });

  it("checks gamma's shape", () => {
    const x = tensor(new Float32Array(8), [2, 4]);
    expect(() => layerNorm(x, tensor([1, 1, 1], [3]), tensor([0, 0, 0, 0], [4]))).toThrow(
      "layerNorm: gamma must have shape [4] (the last axis of x), got [3]",
    );
  });
});

describe("rmsNorm", () => {
  // The last case has a large ε so that forgetting ε would fail the test.
  for (const [shape, eps] of [
    [[4, 16], 1e-5],
    [[2, 3, 48], 1e-6],
    [[1, 7], 0.5],
  ] as [number[], number][]) {
    it(`agrees with ORT RMSNormalization (opset 23) on ${JSON.stringify(shape)}, eps ${eps}`, async () => {
      const rng = new Rng(shape.at(-1)! + 1);
      const D = shape.at(-1)!;
      const x = randn(rng, shape, 2);
      const gamma = randn(rng, [D]);
      const ref = await ortOp(
        "RMSNormalization",
        { X: x },
        {
          attrs: { axis: -1, epsilon: { float: eps } },
          opset: 23,
          constants: { gamma: f32(gamma.data) },
        },
      );
      const ours = rmsNorm(x, gamma, eps);
      expect(worstRatio(ours, ref, (i) => (D + 16) * U * (1 + Math.abs(ref.data[i])))).toBeLessThanOrEqual(1);
    });
  }

  it("normalises a row worked out by hand", () => {
    // x = [3, 4]: mean square = (9 + 16)/2 = 12.5, y = x / sqrt(12.5) · γ with γ = [1, 2]
    const y = rmsNorm(tensor([3, 4], [1, 2]), tensor([1, 2], [2]), 0);
    expect(y.data[0]).toBeCloseTo(3 / Math.sqrt(12.5), 6);
    expect(y.data[1]).toBeCloseTo(8 / Math.sqrt(12.5), 6);
  });
});
