import { describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { calibrationInputs, hessian, heldoutTokens, trainTokens } from "@llm-labs/model";
import { sparseGpt, sparseGptFactor } from "../src/sparsegpt.ts";
import { applyMask } from "../src/mask.ts";
import { magnitudeMask } from "../src/magnitude.ts";
import { inputNorms, wandaMask } from "../src/wanda.ts";
import { maxAbsDiff, relOutputError, targetModel } from "./util.ts";

const U = (H: number[], K: number) => sparseGptFactor(Float64Array.from(H), K);

describe("exercise: sparsegpt-column", () => {
  it("pruning one weight moves its correlated neighbour by the OBS formula (hand-worked)", () => {
    // H = [[2, 1], [1, 2]] → H⁻¹ = [[2, −1], [−1, 2]] / 3. Saliency w_k² / [H⁻¹]_kk (of the problem left at step k):
    //   w0 = 0.3: 0.09 / (2/3) = 0.135;   w1 = 0.4: 0.16 / (1/2) = 0.32   (H⁻¹ of {w1} alone is 1/H₁₁ = 1/2)
    // so w0 goes, and OBS moves w1 by −(H⁻¹₀₁ / H⁻¹₀₀)·w0 = −(−1/3)/(2/3)·0.3 = +0.15 → 0.55.
    const r = sparseGpt([0.3, 0.4], 2, 1, U([2, 1, 1, 2], 2), { sparsity: 0.5 });
    expect(Array.from(r.keep)).toEqual([0, 1]);
    expect(r.w[0]).toBe(0);
    expect(r.w[1]).toBeCloseTo(0.55, 6);
  });
  it("the saliency divides by [H⁻¹]_kk: a large weight on a loud input can outlive a larger one on a quiet input", () => {
    // H = diag(1, 4): saliency = w²·H_kk: 0.3² · 1 = 0.09 < 0.25² · 4 = 0.25, so 0.3 goes, not 0.25 (magnitude would drop 0.25);
    // H is diagonal, so there is no feedback and 0.25 stays exactly.
    const r = sparseGpt([0.3, 0.25], 2, 1, U([1, 0, 0, 4], 2), { sparsity: 0.5 });
    expect(Array.from(r.w)).toEqual([0, Math.fround(0.25)]);
  });
  it("each block chooses its own mask: blockSize 2 prunes half of every 2 rows, one block prunes half overall", () => {
    // H = I (no feedback, saliency = w²), one column, K = 4
    const w = [0.1, 0.2, 0.3, 0.4];
    const I4 = U([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 4);
    expect(Array.from(sparseGpt(w, 4, 1, I4, { sparsity: 0.5, blockSize: 2 }).keep)).toEqual([0, 1, 0, 1]);
    expect(Array.from(sparseGpt(w, 4, 1, I4, { sparsity: 0.5, blockSize: 4 }).keep)).toEqual([0, 0, 1, 1]);
  });
  it("2:4 by hand with H = I: the two largest |w| of each group stay, unchanged", () => {
    const I4 = U([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 4);
    expect(Array.from(sparseGpt([0.1, -0.4, 0.3, 0.2], 4, 1, I4, { nm: [2, 4] }).w)).toEqual([
      0,
      Math.fround(-0.4),
      Math.fround(0.3),
      0,
    ]);
  });
  it("at sparsity 0 SparseGPT returns the original weights (target, layer 2 attn c_proj)", async () => {
    const model = targetModel();
    const cal = calibrationInputs(model, await trainTokens(256)).get("2.attn_c_proj")!;
    const w = model.params.h[2].attn_c_proj.weight;
    const r = sparseGpt(w, 128, 128, sparseGptFactor(hessian(cal.x, cal.T, 128), 128), { sparsity: 0 });
    expect(maxAbsDiff(r.w, w)).toBe(0);
  });
  it("on the target's layer 1 c_fc at 50 %: output error SparseGPT < Wanda < magnitude on calibration inputs, SparseGPT < magnitude held out", async () => {
    const model = targetModel();
    const K = 128;
    const N = 512;
    const cal = calibrationInputs(model, await trainTokens(512)).get("1.c_fc")!;
    const ho = calibrationInputs(model, await heldoutTokens(256)).get("1.c_fc")!;
    const w = model.params.h[1].c_fc.weight;
    const sg = sparseGpt(w, K, N, sparseGptFactor(hessian(cal.x, cal.T, K), K), { sparsity: 0.5 });
    let zeros = 0;
    for (const v of sg.w) if (v === 0) zeros++;
    expect(zeros).toBe((K * N) / 2);
    const wanda = applyMask(w, wandaMask(w, K, N, inputNorms(cal.x, cal.T, K), 0.5));
    const mag = applyMask(w, magnitudeMask(w, 0.5));
    const e = (x: typeof cal, b: Float32Array) => relOutputError(x.x, x.T, K, N, w, b);
    const [eSg, eWanda, eMag] = [sg.w, wanda, mag].map((b) => e(cal, b));
    expect(eSg).toBeLessThan(eWanda);
    expect(eWanda).toBeLessThan(eMag);
    expect(e(ho, sg.w)).toBeLessThan(e(ho, mag));
    expect(eSg).toBeLessThan(0.6 * eMag); // the weight update is what buys most of it
  });
});

describe("SparseGPT refuses bad input", () => {
  it("sparsity outside [0, 1), N > M", () => {
    const I = U([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 4);
    expect(() => sparseGpt([1, 2, 3, 4], 4, 1, I, { sparsity: 1 })).toThrow(UserError);
    expect(() => sparseGpt([1, 2, 3, 4], 4, 1, I, { nm: [3, 2] })).toThrow(/N ≤ M/);
  });
});
