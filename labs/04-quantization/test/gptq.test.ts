import { describe, expect, it } from "vitest";
import { gptqQuantize, outputError } from "../src/gptq.ts";
import { dequantizeInt4, quantizeRtn } from "../src/int4.ts";
import { calibrationInputs, hessian, heldoutTokens, trainTokens as calibrationTokens } from "@llm-labs/model";
import { randomArray, targetModel } from "./util.ts";

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
    // By hand, one group of 4 with range [−0.5, 0.5] (uint4, ONNX's float32 steps):
    //   s = fround(1/15) = 0.066666670, z = round(0 − (−0.5)/s) = round(7.4999996) = 7
    //   w0 = 0.31:                            0.31/s = 4.65 → 5, q0 = 5 + 7 = 12, ŵ0 = 5s = 0.33333335
    //   w1 = 0.11 + ½·(0.31 − 0.33333335) = 0.098333: /s = 1.475 → 1, q1 = 8 (RTN: 0.11/s = 1.65 → 2, q1 = 9)
    //   w2 = −0.5: −7.4999996 → −7, q2 = 0;     w3 = 0.5: 7.4999996 → 7, q3 = 14
    const H = Float64Array.from([2, 1, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const g = gptqQuantize([0.31, 0.11, -0.5, 0.5], 4, 1, H, 4);
    expect(g.scales[0]).toBe(Math.fround(1 / 15));
    expect(g.zeroPoints[0]).toBe(7);
    expect(Array.from(g.q)).toEqual([12, 8, 0, 14]);
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
