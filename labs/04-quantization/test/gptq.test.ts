import { describe, expect, it } from "vitest";
import { cholesky, gptqQuantize, hessian, outputError, spdInverse } from "../src/gptq.ts";
import { dequantizeInt4, quantizeRtn } from "../src/int4.ts";
import { calibrationInputs } from "../src/calibration.ts";
import { heldoutTokens, trainTokens as calibrationTokens } from "@llm-labs/model";
import { affineParams, quantizeValue, uintN } from "../src/quantize.ts";
import { maxAbsDiff, randomArray, targetModel } from "./util.ts";

describe("linear algebra for GPTQ", () => {
  it("cholesky and inverse of a 2×2 by hand", () => {
    // A = [[4, 2], [2, 3]]: L = [[2, 0], [1, √2]], A⁻¹ = [[3, -2], [-2, 4]] / 8
    const A = Float64Array.from([4, 2, 2, 3]);
    expect(maxAbsDiff(cholesky(A, 2), [2, 0, 1, Math.SQRT2])).toBeLessThan(1e-12);
    expect(maxAbsDiff(spdInverse(A, 2), [3 / 8, -2 / 8, -2 / 8, 4 / 8])).toBeLessThan(1e-12);
  });
  it("H = 2XᵀX/T plus 1% of the mean diagonal", () => {
    // X = [[1, 2], [3, 4]], T = 2: 2XᵀX/T = [[10, 14], [14, 20]], mean diag 15 → +0.15
    expect(maxAbsDiff(hessian([1, 2, 3, 4], 2, 2), [10.15, 14, 14, 20.15])).toBeLessThan(1e-12);
  });
});

describe("exercise: gptq-column-update", () => {
  it("with uncorrelated inputs (H diagonal) there is nothing to feed forward: GPTQ = RTN", () => {
    const K = 64;
    const N = 8;
    const w = randomArray(K * N, 21, 0.1);
    const H = new Float64Array(K * K);
    for (let i = 0; i < K; i++) H[i * K + i] = 1 + i;
    const g = gptqQuantize(w, K, N, H, 32);
    const r = quantizeRtn(w, K, N, 32);
    expect(Array.from(g.q)).toEqual(Array.from(r.q));
  });
  it("one step of error feedback, by the OBS formula (inputs 0 and 1 correlated)", () => {
    // H = diag([[2, 1], [1, 2]], 1, 1): H⁻¹'s top block is [[2, −1], [−1, 2]] / 3, so rounding
    // w0 to ŵ0 moves w1 by −H⁻¹₀₁/H⁻¹₀₀ · (w0 − ŵ0) = +½ (w0 − ŵ0); rows 2, 3 are untouched.
    // One group of 4, range [−0.5, 0.5]: s = 1/15, z = 8. w0 = 0.31 → 5/15; w1 = 0.11 − 0.0117 → 1/15 (RTN: 2/15).
    const w = [0.31, 0.11, -0.5, 0.5];
    const H = Float64Array.from([2, 1, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const p = affineParams(-0.5, 0.5, uintN(4));
    const deq = (v: number) => (quantizeValue(v, p, uintN(4)) - p.zeroPoint) * p.scale;
    const w0hat = deq(w[0]);
    const w1hat = deq(w[1] + 0.5 * (w[0] - w0hat));
    const d = dequantizeInt4(gptqQuantize(w, 4, 1, H, 4));
    expect(d[0]).toBeCloseTo(w0hat, 6);
    expect(d[1]).toBeCloseTo(w1hat, 6);
    expect(w1hat).not.toBeCloseTo(deq(w[1]), 6); // RTN would have rounded w1 elsewhere
  });
  it("lazy batch updates (batch 16) give the same integers as the row-by-row loop (batch = K)", () => {
    const K = 64;
    const N = 8;
    const w = randomArray(K * N, 31, 0.1);
    const x = randomArray(256 * K, 32);
    for (let t = 0; t < 256; t++) x[t * K + 5] = x[t * K + 6] + 0.1 * x[t * K + 5]; // correlated inputs: real feedback
    const H = hessian(x, 256, K);
    const plain = gptqQuantize(w, K, N, H, 32, 4, K);
    const lazy = gptqQuantize(w, K, N, H, 32, 4, 16);
    expect(Array.from(lazy.q)).toEqual(Array.from(plain.q));
    expect(Array.from(lazy.scales)).toEqual(Array.from(plain.scales));
    expect(Array.from(plain.q)).not.toEqual(Array.from(quantizeRtn(w, K, N, 32).q)); // and the feedback did something
  });
  it("on the target (layer 0 c_fc, INT4 g32) GPTQ's output error is below RTN's, on calibration and on held-out inputs", async () => {
    const model = targetModel();
    const cal = calibrationInputs(model, await calibrationTokens(512)).get("0.c_fc")!;
    const ho = calibrationInputs(model, await heldoutTokens(256)).get("0.c_fc")!;
    const w = model.params.h[0].c_fc.weight;
    const K = 128;
    const N = 512;
    const gptq = dequantizeInt4(gptqQuantize(w, K, N, hessian(cal.x, cal.T, K), 32));
    const rtn = dequantizeInt4(quantizeRtn(w, K, N, 32));
    expect(outputError(cal.x, cal.T, K, N, w, gptq)).toBeLessThan(
      0.9 * outputError(cal.x, cal.T, K, N, w, rtn),
    );
    expect(outputError(ho.x, ho.T, K, N, w, gptq)).toBeLessThan(outputError(ho.x, ho.T, K, N, w, rtn));
  });
});
