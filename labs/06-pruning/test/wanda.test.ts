import { describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { inputNorms, perOutputMask, wandaMask, wandaScores } from "../src/wanda.ts";
import { magnitudeMask } from "../src/magnitude.ts";
import { applyMask } from "../src/mask.ts";
import { calibrationInputs, trainTokens } from "@llm-labs/model";
import { maxAbsDiff, relOutputError, targetModel } from "./util.ts";

// W [K = 4 inputs, N = 2 outputs] and X [T = 2, K = 4], row-major
const W = [1, -2, -3, 1, 2, 4, 1.5, -1];
const X = [4, 0.3, 0.6, 0, 0, 0.4, 0.8, 2];

describe("exercise: wanda-score", () => {
  it("input norms by hand: ‖X[:, k]‖₂ = [4, 0.5, 1, 2]", () => {
    // √(4² + 0²) = 4, √(0.3² + 0.4²) = 0.5, √(0.6² + 0.8²) = 1, √(0² + 2²) = 2
    expect(maxAbsDiff(inputNorms(X, 2, 4), [4, 0.5, 1, 2])).toBeLessThan(1e-7);
  });
  it("scores |W[k, n]|·‖X_k‖ by hand, and the mask compares them per output column", () => {
    // column 0: |1|·4 = 4, |−3|·0.5 = 1.5, |2|·1 = 2, |1.5|·2 = 3
    // column 1: |−2|·4 = 8, |1|·0.5 = 0.5, |4|·1 = 4, |−1|·2 = 2
    const S = wandaScores(W, 4, 2, [4, 0.5, 1, 2]);
    expect(maxAbsDiff(S, [4, 8, 1.5, 0.5, 2, 4, 3, 2])).toBeLessThan(1e-12);
    // 50 % per output: column 0 drops rows 1 (1.5) and 2 (2); column 1 drops rows 1 (0.5) and 3 (2)
    expect(Array.from(wandaMask(W, 4, 2, inputNorms(X, 2, 4), 0.5))).toEqual([1, 1, 0, 0, 0, 1, 1, 0]);
    // magnitude alone would have kept row 1 in column 0 (|−3| is the largest) and dropped row 0
    expect(Array.from(magnitudeMask([1, -3, 2, 1.5], 0.5))).toEqual([0, 1, 1, 0]);
  });
  it("per output means every column loses the same number of weights", () => {
    const m = perOutputMask([9, 1, 8, 2, 7, 3, 6, 4], 4, 2, 0.5); // column 0: 9 8 7 6, column 1: 1 2 3 4
    expect(Array.from(m)).toEqual([1, 0, 1, 0, 0, 1, 0, 1]); // a per-layer 50 % would have emptied column 1
  });
  it("with equal input norms Wanda is per-output magnitude pruning", () => {
    const w = targetModel().params.h[1].attn_c_proj.weight;
    const a = wandaMask(w, 128, 128, new Float64Array(128).fill(3), 0.5);
    const b = perOutputMask(Float64Array.from(w, Math.abs), 128, 128, 0.5);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
  it("on the target's layer 1 attn c_proj at 50 %, Wanda's output error on calibration inputs is below magnitude's, per output and per layer", async () => {
    // this layer's inputs (the heads' outputs) differ in norm by 4.8× between features, so |W| alone misjudges weights
    const model = targetModel();
    const cal = calibrationInputs(model, await trainTokens(256)).get("1.attn_c_proj")!;
    const w = model.params.h[1].attn_c_proj.weight;
    const e = (b: Float32Array) => relOutputError(cal.x, cal.T, 128, 128, w, b);
    const wanda = e(applyMask(w, wandaMask(w, 128, 128, inputNorms(cal.x, cal.T, 128), 0.5)));
    expect(wanda).toBeLessThan(e(applyMask(w, perOutputMask(Float64Array.from(w, Math.abs), 128, 128, 0.5))));
    expect(wanda).toBeLessThan(e(applyMask(w, magnitudeMask(w, 0.5))));
  });
});

describe("an empty calibration set is refused", () => {
  it("inputNorms with 0 tokens", () => {
    expect(() => inputNorms(new Float32Array(0), 0, 4)).toThrow(UserError);
    expect(() => inputNorms(new Float32Array(0), 0, 4)).toThrow(/calibration set is empty/);
  });
});
