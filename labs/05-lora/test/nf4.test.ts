import { beforeAll, describe, expect, it } from "vitest";
import { erf } from "@llm-labs/tensor";
import type { GPT } from "@llm-labs/model";
import {
  NF4,
  dequantizeNf4,
  dequantizeNf4Linear,
  nearestNf4,
  quantizeNf4,
  quantizeNf4Linear,
} from "../src/nf4.ts";
import { packBnb4 } from "../src/bnb4.ts";
import { ortMatMulBnb4 } from "../src/ort-reference.ts";
import { linearRef, maxAbsDiff, randomArray, targetModel } from "./util.ts";

let base: GPT;
beforeAll(() => {
  base = targetModel();
});

// Φ⁻¹ by bisection on Φ(x) = ½(1 + erf(x/√2)).
function normalQuantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (0.5 * (1 + erf(mid / Math.SQRT2)) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
const linspace = (a: number, b: number, n: number) =>
  Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

describe("the NF4 codebook", () => {
  it("is QLoRA's construction: 8 positive and 7 negative N(0, 1) quantiles and an exact 0, scaled to [−1, 1]", () => {
    // bitsandbytes' create_normal_map: quantiles of evenly spaced probabilities from
    // δ = 0.9677083 down to ½ (the asymmetric split keeps 0 exact), normalised by the largest.
    const delta = 0.9677083;
    const pos = linspace(delta, 0.5, 9).slice(0, -1).map(normalQuantile);
    const neg = linspace(delta, 0.5, 8)
      .slice(0, -1)
      .map((p) => -normalQuantile(p));
    const v = [...pos, 0, ...neg].sort((a, b) => a - b);
    const max = Math.max(...v);
    expect(
      maxAbsDiff(
        Float64Array.from(v, (x) => x / max),
        NF4,
      ),
    ).toBeLessThan(1e-6);
  });
  it("has 16 sorted values, −1 and 1 at the ends and an exact 0 at code 7", () => {
    expect(NF4.length).toBe(16);
    for (let i = 1; i < 16; i++) expect(NF4[i]).toBeGreaterThan(NF4[i - 1]);
    expect([NF4[0], NF4[7], NF4[15]]).toEqual([-1, 0, 1]);
  });
  it("nearest code: a tie goes to the lower code, as ORT's strict > does", () => {
    expect(nearestNf4(0.5)).toBe(12); // |0.5 − 0.4407| = 0.0593 < |0.5 − 0.5626| = 0.0626
    expect(nearestNf4((NF4[7] + NF4[8]) / 2)).toBe(7);
    expect(nearestNf4(-1)).toBe(0);
  });
});

describe("exercise: nf4-quantize", () => {
  it("a hand example: block absmax 2; 2 → 1.0 (15), −2 → −1.0 (0), 1 → 0.5 → 0.4407 (12), 0 → 7", () => {
    const x = new Float32Array(64);
    x.set([2, -2, 1, 0]);
    const q = quantizeNf4(x, 64);
    expect(Array.from(q.absmax)).toEqual([2]);
    expect(Array.from(q.codes.slice(0, 4))).toEqual([15, 0, 12, 7]);
    expect(q.codes.slice(4).every((c) => c === 7)).toBe(true);
  });
  it("one absmax per block of 64, a short last block, an all-zero block", () => {
    const x = new Float32Array(64 * 2 + 10);
    x[5] = -3;
    x[70] = 0.25; // block 0 absmax 3, block 1 absmax 0.25, block 2 all zero
    const q = quantizeNf4(x, 64);
    expect(Array.from(q.absmax)).toEqual([3, 0.25, 0]);
    expect([q.codes[5], q.codes[70], q.codes[130]]).toEqual([0, 15, 7]);
    expect(Array.from(dequantizeNf4(q).slice(128))).toEqual(new Array(10).fill(0));
  });
  it("every value lands within half a code gap (× absmax) of where it was", () => {
    const x = randomArray(64 * 8, 3, 0.05);
    const q = quantizeNf4(x, 64);
    const d = dequantizeNf4(q);
    for (let i = 0; i < x.length; i++) {
      const m = q.absmax[Math.floor(i / 64)];
      const c = q.codes[i];
      const gap = Math.max(c > 0 ? NF4[c] - NF4[c - 1] : 0, c < 15 ? NF4[c + 1] - NF4[c] : 0);
      expect(Math.abs(x[i] - d[i])).toBeLessThanOrEqual((gap / 2) * m + 1e-7);
    }
  });
  it("on normal weights NF4 beats a uniform 4-bit absmax grid of the same block size (the point of NF4)", () => {
    const x = randomArray(64 * 64, 4);
    const d = dequantizeNf4(quantizeNf4(x, 64));
    let nf4 = 0;
    let int4 = 0;
    for (let b = 0; b < 64; b++) {
      let m = 0;
      for (let i = b * 64; i < (b + 1) * 64; i++) m = Math.max(m, Math.abs(x[i]));
      for (let i = b * 64; i < (b + 1) * 64; i++) {
        const u = (Math.round((x[i] / m) * 7) / 7) * m; // symmetric int4: 15 levels −7 … 7
        int4 += (x[i] - u) ** 2;
        nf4 += (x[i] - d[i]) ** 2;
      }
    }
    expect(nf4).toBeLessThan(0.9 * int4);
  });
  it("the target's layer 0 c_attn, quantized here, runs in ORT MatMulBnb4 and matches our dequantized matmul", async () => {
    const K = 128;
    const N = 384;
    const M = 4;
    const W = base.params.h[0].c_attn.weight;
    const a = randomArray(M * K, 5);
    const q = quantizeNf4Linear(W, K, N, 64);
    const ours = linearRef(a, dequantizeNf4Linear(q, K, N), new Float32Array(N), M, K, N);
    const ort = await ortMatMulBnb4(a, M, K, N, 64, packBnb4(q.codes), q.absmax);
    expect(maxAbsDiff(ort, ours)).toBeLessThan(1e-4);
    // and the result is close to the float32 layer: NF4 is a good approximation of these weights
    const fp = linearRef(a, W, new Float32Array(N), M, K, N);
    let se = 0;
    let ss = 0;
    for (let i = 0; i < fp.length; i++) (se += (ort[i] - fp[i]) ** 2), (ss += fp[i] ** 2);
    expect(Math.sqrt(se / ss)).toBeLessThan(0.2); // relative RMS error of the layer's output
  });
});
