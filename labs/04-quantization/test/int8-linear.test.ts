import { describe, expect, it } from "vitest";
import { int8Linear, int8Matmul, quantizeColumns, quantizeRows } from "../src/int8-linear.ts";
import { ortMatMulInteger } from "../src/ort-reference.ts";
import { maxAbsDiff, randomArray, randomInts } from "./util.ts";

describe("exercise: int8-matmul", () => {
  it("a 2×3 · 3×2 product by hand", () => {
    const a = Int8Array.from([1, -2, 3, 4, 5, -6]);
    const b = Int8Array.from([7, 8, -9, 10, 11, 12]);
    // row 0: [1·7 + (-2)(-9) + 3·11, 1·8 + (-2)·10 + 3·12] = [58, 24]
    // row 1: [4·7 + 5·(-9) + (-6)·11, 4·8 + 5·10 + (-6)·12] = [-83, 10]
    expect(Array.from(int8Matmul(a, b, 2, 3, 2))).toEqual([58, 24, -83, 10]);
  });
  it("uses zero points: Σ (a − za)(b − zb[n])", () => {
    const a = Int8Array.from([3, 5]);
    const b = Int8Array.from([1, 2, 3, 4]);
    // a − 1 = [2, 4]; b − [1, 2] per column = [[0, 0], [2, 2]] → [8, 8]
    expect(Array.from(int8Matmul(a, b, 1, 2, 2, 1, [1, 2]))).toEqual([8, 8]);
  });
  it("equals ORT MatMulInteger's int32 output bit for bit (random int8, extremes, zero points)", async () => {
    const M = 7;
    const K = 300;
    const N = 13;
    const a = Int8Array.from(randomInts(M * K, 1, -128, 127));
    const b = Int8Array.from(randomInts(K * N, 2, -128, 127));
    a.fill(-128, 0, K);
    b.fill(-128, 0, N); // worst-case products 2^14, summed
    expect(Array.from(int8Matmul(a, b, M, K, N))).toEqual(Array.from(await ortMatMulInteger(a, b, M, K, N)));
    const bz = Int8Array.from(randomInts(N, 3, -5, 5));
    expect(Array.from(int8Matmul(a, b, M, K, N, 3, bz))).toEqual(
      Array.from(await ortMatMulInteger(a, b, M, K, N, 3, bz)),
    );
  });
  it("an INT8 linear layer is within a few percent of float", () => {
    const M = 4;
    const K = 64;
    const N = 16;
    const x = randomArray(M * K, 4);
    const w = randomArray(K * N, 5, 0.1);
    const bias = randomArray(N, 6);
    const y = int8Linear(x, quantizeColumns(w, K, N), bias, M, K, N);
    const ref = new Float32Array(M * N);
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = bias[n];
        for (let k = 0; k < K; k++) s += x[m * K + k] * w[k * N + n];
        ref[m * N + n] = s;
      }
    let scale = 0;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    expect(maxAbsDiff(y, ref) / scale).toBeLessThan(0.03);
  });
});

describe("dynamic per-token activations", () => {
  it("each row's max |x| maps to ±127", () => {
    const { q, scales } = quantizeRows([0.5, -1, 10, 2], 2, 2);
    expect(Array.from(q)).toEqual([64, -127, 127, 25]); // 0.5/(1/127) = 63.5 → 64 (tie to even); 2/(10/127) = 25.4 → 25
    expect(scales[1]).toBe(Math.fround(10 / 127));
  });
});
