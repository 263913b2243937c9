import { describe, expect, it } from "vitest";
import { dequantizeNf4Linear, quantizeNf4Linear } from "../src/nf4.ts";
import { packBnb4, unpackBnb4 } from "../src/bnb4.ts";
import { ortMatMulBnb4 } from "../src/ort-reference.ts";
import { linearRef, maxAbsDiff, randomArray } from "./util.ts";

describe("exercise: pack-bnb4", () => {
  it("the first code goes in the HIGH nibble: [1, 2, 15, 0, 7] → 12 f0 70", () => {
    expect(Array.from(packBnb4([1, 2, 15, 0, 7]))).toEqual([0x12, 0xf0, 0x70]);
    expect(Array.from(unpackBnb4(Uint8Array.from([0x12, 0xf0, 0x70]), 5))).toEqual([1, 2, 15, 0, 7]);
  });
  it("refuses codes that do not fit in 4 bits, saying where", () => {
    expect(() => packBnb4([0, 16])).toThrow(/16 at 1 is not a 4-bit code/);
    expect(() => packBnb4([-1])).toThrow(/4-bit/);
    expect(() => packBnb4([1.5])).toThrow(/4-bit/);
  });
  it("ORT reads byte 0 as (code 0 << 4 | code 1): a one-hot input picks single weights out", async () => {
    // K = 64, N = 2, absmax 2: byte 0 = 0xf0 puts code 15 (+1.0) at k = 0 and code 0 (−1.0) at k = 1 of row n = 0.
    const codes = new Array(128).fill(7);
    codes[0] = 15;
    codes[1] = 0;
    const packed = packBnb4(codes);
    expect(packed[0]).toBe(0xf0);
    const a = new Float32Array(2 * 64);
    a[0] = 1; // row 0 of A selects k = 0
    a[64 + 1] = 1; // row 1 selects k = 1
    const y = await ortMatMulBnb4(a, 2, 64, 2, 64, packed, Float32Array.from([2, 2]));
    expect(Array.from(y)).toEqual([2, 0, -2, 0]);
  });
  for (const [K, N, block] of [
    [128, 24, 64],
    [64, 10, 32],
    [96, 5, 16],
  ] as const)
    it(`random weights [${K}, ${N}], block ${block}: ORT MatMulBnb4 = our dequantized matmul`, async () => {
      const M = 3;
      const W = randomArray(K * N, K + N, 0.1);
      const a = randomArray(M * K, 9);
      const q = quantizeNf4Linear(W, K, N, block);
      const ours = linearRef(a, dequantizeNf4Linear(q, K, N), new Float32Array(N), M, K, N);
      const ort = await ortMatMulBnb4(a, M, K, N, block, packBnb4(q.codes), q.absmax);
      expect(maxAbsDiff(ort, ours)).toBeLessThan(1e-4);
    });
});
