import { describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { globalMagnitudeMasks, lowestMask, magnitudeMask } from "../src/magnitude.ts";
import { applyMask, sparsityOf } from "../src/mask.ts";
import { targetModel } from "./util.ts";

describe("exercise: magnitude-mask", () => {
  it("removes the floor(p·n) smallest magnitudes, by hand", () => {
    // |w| = [0.5, 0.1, 0.3, 0.7, 0.2]; p = 0.4 → floor(2) = 2 removed: 0.1 (index 1) and 0.2 (index 4)
    expect(Array.from(magnitudeMask([0.5, -0.1, 0.3, -0.7, 0.2], 0.4))).toEqual([1, 0, 1, 1, 0]);
    // p = 0.5 of 5 → floor(2.5) = 2, the same two
    expect(Array.from(magnitudeMask([0.5, -0.1, 0.3, -0.7, 0.2], 0.5))).toEqual([1, 0, 1, 1, 0]);
    expect(Array.from(magnitudeMask([0.5, -0.1, 0.3, -0.7, 0.2], 0))).toEqual([1, 1, 1, 1, 1]);
  });
  it("ties at the threshold go in index order, so exactly k are removed", () => {
    // scores [2, 1, 1, 1, 3], p = 0.4 → 2 removed: the 1s at indices 1 and 2, not 3
    expect(Array.from(lowestMask([2, 1, 1, 1, 3], 0.4))).toEqual([1, 0, 0, 1, 1]);
    expect(Array.from(lowestMask([0, 0, 0, 0], 0.75))).toEqual([0, 0, 0, 1]);
  });
  it("0.29 of 100 removes 29 (floating point: 0.29·100 = 28.999999999999996)", () => {
    const keep = lowestMask(
      Array.from({ length: 100 }, (_, i) => 100 - i),
      0.29,
    );
    expect(keep.reduce((s, v) => s + v, 0)).toBe(71);
    expect(keep[99]).toBe(0); // the smallest score (1) is at the end
  });
  it("on the target's layer 0 c_fc at 10 … 90 %: exactly that share is zero, and every kept |w| ≥ every removed one", () => {
    const w = targetModel().params.h[0].c_fc.weight;
    for (const p of [0.1, 0.5, 0.9]) {
      const keep = magnitudeMask(w, p);
      const pruned = applyMask(w, keep);
      expect(sparsityOf(pruned) * w.length).toBe(Math.floor(p * w.length)); // 6,553 of 65,536 at 10 %
      let maxRemoved = 0;
      let minKept = Infinity;
      for (let i = 0; i < w.length; i++) {
        if (keep[i]) minKept = Math.min(minKept, Math.abs(w[i]));
        else maxRemoved = Math.max(maxRemoved, Math.abs(w[i]));
      }
      expect(maxRemoved).toBeLessThanOrEqual(minKept);
    }
  });
  it("global: one threshold for all layers, so a quiet layer loses more than p", () => {
    // layer A's weights are all below layer B's: at 50 % overall, A loses everything, B nothing
    const [a, b] = globalMagnitudeMasks(
      [
        [0.1, -0.2, 0.3],
        [1, -2, 3],
      ],
      0.5,
    );
    expect(Array.from(a)).toEqual([0, 0, 0]);
    expect(Array.from(b)).toEqual([1, 1, 1]);
    // per layer, each loses floor(0.5·3) = 1
    expect(Array.from(magnitudeMask([0.1, -0.2, 0.3], 0.5))).toEqual([0, 1, 1]);
  });
});

describe("bad sparsities are refused", () => {
  it("outside [0, 1), NaN and Infinity are UserErrors that name the range", () => {
    for (const p of [1, 1.5, -0.1, NaN, Infinity]) {
      expect(() => magnitudeMask([1, 2, 3], p)).toThrow(UserError);
      expect(() => magnitudeMask([1, 2, 3], p)).toThrow(/sparsity must be a number in \[0, 1\)/);
    }
  });
});
