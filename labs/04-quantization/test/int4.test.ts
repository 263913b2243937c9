import { describe, expect, it } from "vitest";
import { heldoutLoss, mapLinears } from "@llm-labs/model";
import {
  dequantizeInt4,
  int4Bytes,
  packNibbles,
  quantizeRtn,
  toMatMulNBits,
  unpackNibbles,
} from "../src/int4.ts";
import { ortMatMulNBits } from "../src/ort-reference.ts";
import { heldoutTokens } from "@llm-labs/model";
import { maxAbsDiff, randomArray, targetModel } from "./util.ts";

function matmul(a: Float32Array, w: Float32Array, M: number, K: number, N: number): Float32Array {
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) y[m * N + n] += a[m * K + k] * w[k * N + n];
  return y;
}

describe("exercise: pack-int4", () => {
  it("puts the first value in the low nibble", () => {
    expect(Array.from(packNibbles([1, 2, 15, 0, 7]))).toEqual([0x21, 0x0f, 0x07]);
    expect(Array.from(unpackNibbles(Uint8Array.from([0x21, 0x0f, 0x07]), 5))).toEqual([1, 2, 15, 0, 7]);
  });
  it("rejects values that do not fit in 4 bits", () => {
    expect(() => packNibbles([16])).toThrow(/4-bit/);
    expect(() => packNibbles([-1])).toThrow(/4-bit/);
  });
  for (const blockSize of [32, 16])
    it(`our packed tensors run in ORT MatMulNBits unchanged (block ${blockSize}, odd block count)`, async () => {
      const M = 3;
      const K = 3 * blockSize;
      const N = 5; // 3 blocks: an odd count, so the zero points end in a half byte
      const w = randomArray(K * N, 7, 0.2);
      const a = randomArray(M * K, 8);
      const q = quantizeRtn(w, K, N, blockSize);
      const { B, scales, zeroPoints } = toMatMulNBits(q);
      const ours = matmul(a, dequantizeInt4(q), M, K, N);
      const ort = await ortMatMulNBits(a, M, K, N, blockSize, B, scales, zeroPoints);
      expect(maxAbsDiff(ours, ort)).toBeLessThan(1e-4);
    });
});

describe("INT4 round to nearest", () => {
  it("dequantized weights lie within half a step of the originals", () => {
    const K = 64;
    const N = 4;
    const w = randomArray(K * N, 9);
    const q = quantizeRtn(w, K, N, 32);
    const d = dequantizeInt4(q);
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++) {
        const s = q.scales[n * 2 + Math.floor(k / 32)];
        expect(Math.abs(d[k * N + n] - w[k * N + n])).toBeLessThanOrEqual(s / 2 + 1e-6);
      }
  });
  it("bad input: group not dividing the width, bits outside 2–8, NaN", () => {
    expect(() => quantizeRtn(new Float32Array(60), 60, 1, 32)).toThrow(/does not divide/);
    expect(() => quantizeRtn(new Float32Array(64), 64, 1, 32, 9)).toThrow(/2 to 8/);
    expect(() =>
      quantizeRtn(
        Float32Array.from({ length: 32 }, (_, i) => (i === 3 ? NaN : 1)),
        32,
        1,
        32,
      ),
    ).toThrow(/NaN/);
  });
  it("bytes: 4 bits per weight + a float scale and a 4-bit zero point per group", () => {
    // K = 128, N = 1, g32: 64 bytes of nibbles + 4 scales·4 bytes + 2 bytes of zero points
    expect(int4Bytes(128, 1, 32)).toBe(64 + 16 + 2);
  });
  it("the target with every linear at INT4 g32 stays within 10% of fp32 perplexity; g128 is no better than g32", async () => {
    const model = targetModel();
    const tokens = await heldoutTokens(512);
    const rtn = (g: number) => mapLinears(model, (w, IN, OUT) => dequantizeInt4(quantizeRtn(w, IN, OUT, g)));
    const fp = heldoutLoss(model, tokens);
    const g32 = heldoutLoss(rtn(32), tokens);
    const g128 = heldoutLoss(rtn(128), tokens);
    expect(Math.exp(g32) / Math.exp(fp)).toBeLessThan(1.1);
    expect(g128).toBeGreaterThanOrEqual(g32 - 0.01);
  });
});
