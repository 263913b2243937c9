import { describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { matmul24, pack24, packed24Bytes, positions24, unpack24 } from "../src/two-four.ts";
import { applyMask } from "../src/mask.ts";
import { nmMask } from "../src/n-m.ts";
import { maxAbsDiff, ortMatMul, randomArray, targetModel } from "./util.ts";

// W [8, 2], 2:4 along the rows (K = 8, two groups):
//   column 0: rows 1, 3 (group 0) and rows 4, 5 (group 1);  column 1: rows 0, 2 and rows 6, 7
const W = [0, 5, 1, 0, 0, 6, 2, 0, 3, 0, 4, 0, 0, 7, 0, 8];

describe("exercise: pack-2-4", () => {
  it("values and 2-bit positions by hand", () => {
    const a = pack24(W, 8, 2);
    // values[(2g + s)·N + n]: g0 s0 = [1, 5], g0 s1 = [2, 6], g1 s0 = [3, 7], g1 s1 = [4, 8]
    expect(Array.from(a.values)).toEqual([1, 5, 2, 6, 3, 7, 4, 8]);
    // codes i0 | i1 << 2, j = g·N + n:  j0 (g0, n0) = 1 | 3<<2 = 13,  j1 (g0, n1) = 0 | 2<<2 = 8,
    //                                   j2 (g1, n0) = 0 | 1<<2 = 4,   j3 (g1, n1) = 2 | 3<<2 = 14
    // bytes: 13 | 8 << 4 = 0x8d,  4 | 14 << 4 = 0xe4
    expect(Array.from(a.meta)).toEqual([0x8d, 0xe4]);
    expect(positions24(a, 1, 1)).toEqual([2, 3]);
    expect(packed24Bytes(a)).toBe(8 * 4 + 2); // 2.125 bytes per original weight: (4·8·2/2 + 8·2/8) / 16
    expect(Array.from(unpack24(a))).toEqual(W);
  });
  it("a group with fewer than two nonzeros fills the lowest free positions with zeros; an odd code count ends in half a byte", () => {
    // K = 4, N = 1: only row 2 nonzero → positions (0, 2), values [0, 9]; one code → one byte, 0 | 2 << 2 = 8
    const a = pack24([0, 0, 9, 0], 4, 1);
    expect(Array.from(a.values)).toEqual([0, 9]);
    expect(Array.from(a.meta)).toEqual([8]);
    expect(Array.from(unpack24(a))).toEqual([0, 0, 9, 0]);
  });
  it("three nonzeros in a group is an error that names the group and the column", () => {
    expect(() => pack24([1, 0, 1, 0, 1, 0, 0, 0], 4, 2)).toThrow(UserError);
    expect(() => pack24([1, 0, 1, 0, 1, 0, 0, 0], 4, 2)).toThrow(
      /group 0 \(rows 0…3\) of column 0 has 3 nonzeros/,
    );
  });
  it("every 2:4 layer of the target packs and unpacks exactly, and its packed product equals ORT MatMul on the dense weights", async () => {
    const model = targetModel();
    const M = 8;
    const x = randomArray(M * 512, 5);
    for (const [name, K, N] of [
      ["c_attn", 128, 384],
      ["mlp_c_proj", 512, 128],
    ] as const) {
      const w = model.params.h[3][name].weight;
      const pruned = applyMask(w, nmMask(Float64Array.from(w, Math.abs), K, N));
      const a = pack24(pruned, K, N);
      expect(maxAbsDiff(unpack24(a), pruned)).toBe(0);
      const xs = x.subarray(0, M * K);
      expect(
        maxAbsDiff(matmul24(xs, M, a), await ortMatMul(Float32Array.from(xs), M, pruned, K, N)),
      ).toBeLessThan(1e-5);
    }
  });
});
