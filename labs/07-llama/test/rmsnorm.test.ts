// Exercise rmsnorm: src/rmsnorm.ts.
import { forwardPass } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { ortRmsNorm } from "../src/ort-reference.ts";
import { rmsNorm } from "../src/rmsnorm.ts";
import { llamaSpecimen, maxAbsDiff, promptIds, randomArray } from "./util.ts";

describe("exercise: rmsnorm", () => {
  it("normalises [2, −2, 4, 0] by hand", () => {
    // mean of squares = (4 + 4 + 16 + 0) / 4 = 6, RMS = √6 = 2.4494897 (ε = 0)
    // x / RMS = [0.8164966, −0.8164966, 1.6329932, 0]; times γ = [1, 1, 0.5, 3]:
    // y = [0.8164966, −0.8164966, 0.8164966, 0]
    const y = rmsNorm(Float32Array.of(2, -2, 4, 0), Float32Array.of(1, 1, 0.5, 3), 1, 4, 0);
    [0.8164966, -0.8164966, 0.8164966, 0].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it("puts ε inside the square root, and never subtracts the mean", () => {
    // x = [0.001], ε = 1e-5: RMS = √(1e-6 + 1e-5) = √1.1e-5 = 0.0033166, y = 0.001/0.0033166 = 0.3015113
    // (ε outside, 1/(|x| + ε) would give 0.990; without ε, 1.0)
    expect(rmsNorm(Float32Array.of(0.001), Float32Array.of(1), 1, 1, 1e-5)[0]).toBeCloseTo(0.3015113, 6);
    // A row of equal values: LayerNorm would give 0 (x − μ = 0); RMSNorm gives γ·x/|x| = 1
    const y = rmsNorm(Float32Array.of(5, 5, 5), Float32Array.of(1, 1, 1), 1, 3, 0);
    [1, 1, 1].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
    // and a row of zeros stays 0, not NaN, thanks to ε
    expect(Array.from(rmsNorm(new Float32Array(4), Float32Array.of(1, 1, 1, 1), 1, 4, 1e-5))).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it("is invariant to re-scaling x (Zhang & Sennrich's §3 property), row by row", () => {
    const x = randomArray(3 * 16, 1);
    const gamma = randomArray(16, 2);
    const scaled = x.map((v, i) => v * (i < 16 ? 10 : i < 32 ? 0.1 : 3));
    expect(maxAbsDiff(rmsNorm(x, gamma, 3, 16, 0), rmsNorm(scaled, gamma, 3, 16, 0))).toBeLessThan(1e-5);
  });

  for (const op of ["RMSNormalization", "SimplifiedLayerNormalization"] as const)
    it(`equals ONNX Runtime's ${op} on random [6, 128], ε = 1e-5`, async () => {
      const x = randomArray(6 * 128, 3, 2);
      const gamma = randomArray(128, 4);
      const ours = rmsNorm(x, gamma, 6, 128, 1e-5);
      // both sum 128 squares in float32: ~128·2⁻²⁴ relative, 1e-5 absolute on |y| ≲ 10
      expect(maxAbsDiff(ours, await ortRmsNorm(x, gamma, 6, 128, 1e-5, op))).toBeLessThan(1e-5); // measured ~5e-7
    });

  it("plugged into the Llama specimen (all 9 norms), gives the specimen's own logits", () => {
    const model = llamaSpecimen();
    const ids = promptIds(24);
    const ref = forwardPass(model, ids, 1, ids.length);
    const ours = forwardPass(model, ids, 1, ids.length, {
      norm: (_l, _name, x, gamma, rows, C, eps) => rmsNorm(x, gamma, rows, C, eps),
    });
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-4);
  });

  it("refuses a γ of the wrong size, in one line", () => {
    expect(() => rmsNorm(new Float32Array(8), new Float32Array(3), 2, 4, 1e-5)).toThrow(
      "rmsNorm: gamma has 3 values, expected C = 4",
    );
  });
});
