import { beforeAll, describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { LINEAR_NAMES, linearShape, trainTokens, type GPT } from "@llm-labs/model";
import { isNM, nmMask } from "../src/n-m.ts";
import { applyMask } from "../src/mask.ts";
import { wandaScores } from "../src/wanda.ts";
import { calibrate, pruneModel, type Calibration } from "../src/pruned-model.ts";
import { targetModel } from "./util.ts";

describe("exercise: n-m-mask", () => {
  it("2:4 by hand: in each group of 4 rows, the 2 largest scores survive", () => {
    // one column, K = 8: group 0 = [0.1, 0.5, 0.3, 0.2] keeps rows 1, 2; group 1 = [0.9, 0.8, 0.7, 0.6] keeps rows 4, 5
    expect(Array.from(nmMask([0.1, 0.5, 0.3, 0.2, 0.9, 0.8, 0.7, 0.6], 8, 1))).toEqual([
      0, 1, 1, 0, 1, 1, 0, 0,
    ]);
  });
  it("groups run down each column (the input dimension), not along a row", () => {
    // W [4, 2]: column 0 = [4, 3, 2, 1] keeps rows 0, 1; column 1 = [1, 2, 3, 4] keeps rows 2, 3
    expect(Array.from(nmMask([4, 1, 3, 2, 2, 3, 1, 4], 4, 2))).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
  });
  it("other patterns: 1:4 and 4:8, and a tie keeps the lower row", () => {
    expect(Array.from(nmMask([1, 5, 2, 3], 4, 1, 1, 4))).toEqual([0, 1, 0, 0]);
    expect(Array.from(nmMask([1, 2, 3, 4, 5, 6, 7, 8], 8, 1, 4, 8))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(nmMask([1, 1, 1, 1], 4, 1))).toEqual([1, 1, 0, 0]);
  });
  it("magnitude and Wanda 2:4 masks over every linear of the target: exactly 2 of each 4 kept", () => {
    const model = targetModel();
    for (const b of model.params.h)
      for (const name of LINEAR_NAMES) {
        const [K, N] = linearShape(model, name);
        const w = b[name].weight;
        const mag = nmMask(Float64Array.from(w, Math.abs), K, N);
        const wan = nmMask(
          wandaScores(
            w,
            K,
            N,
            Float64Array.from({ length: K }, (_, k) => 1 + (k % 7)),
          ),
          K,
          N,
        );
        for (const keep of [mag, wan]) {
          expect(isNM(keep, K, N)).toBe(true);
          expect(isNM(applyMask(w, keep), K, N)).toBe(true);
        }
      }
  });
});

describe("2:4 over every layer of the pruned target (magnitude, Wanda, SparseGPT)", () => {
  let model: GPT;
  let calib: Calibration;
  beforeAll(async () => {
    model = targetModel();
    calib = calibrate(model, await trainTokens(256));
  });
  it("every group of 4 inputs of every output of all 16 linears has exactly 2 nonzeros", () => {
    for (const method of ["magnitude", "wanda", "sparsegpt"] as const) {
      const pruned = pruneModel(model, method, { kind: "nm", n: 2, m: 4 }, calib);
      let groups = 0;
      pruned.params.h.forEach((b) => {
        for (const name of LINEAR_NAMES) {
          const [K, N] = linearShape(model, name);
          const w = b[name].weight;
          for (let c = 0; c < N; c++)
            for (let g = 0; g < K; g += 4) {
              let nz = 0;
              for (let i = 0; i < 4; i++) if (w[(g + i) * N + c] !== 0) nz++;
              if (nz !== 2)
                throw new Error(`${method}: group ${g / 4} of column ${c} in ${name} has ${nz} nonzeros`);
              groups++;
            }
        }
      });
      expect(groups).toBe(786_432 / 4); // 4 layers × 12·128² linear weights, in groups of 4
    }
  });
});

describe("bad N:M patterns are refused", () => {
  it("N > M, a width that is not a multiple of M", () => {
    expect(() => nmMask([1, 2, 3, 4], 4, 1, 5, 4)).toThrow(UserError);
    expect(() => nmMask([1, 2, 3, 4], 4, 1, 5, 4)).toThrow(/N ≤ M/);
    expect(() => nmMask([1, 2, 3, 4, 5, 6], 6, 1, 2, 4)).toThrow(/multiple of M = 4/);
  });
});
