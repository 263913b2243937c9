import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { activationScales, asvd } from "../src/asvd.ts";
import { frobenius2, lowRank, product } from "../src/low-rank.ts";

describe("asvd", () => {
  it("scales by (mean |x_k|)^α (hand calculation)", () => {
    // X = [[1, −4], [−3, 0]]: mean |x| = [2, 2]… channel 0: (1 + 3)/2 = 2, channel 1: (4 + 0)/2 = 2; α = ½ → √2.
    const s = activationScales(Float32Array.from([1, -4, -3, 0]), 2, 2);
    expect(s[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(s[1]).toBeCloseTo(Math.SQRT2, 12);
  });

  it("loses less of the layer's output than plain SVD when input channels differ in size", () => {
    const rng = new Rng(5);
    const [T, K, N] = [80, 10, 8];
    const size = Array.from({ length: K }, (_, k) => (k < 3 ? 5 : 0.2));
    const x = Float32Array.from({ length: T * K }, (_, i) => size[i % K] * rng.normal());
    const w = Float64Array.from({ length: K * N }, () => rng.normal());
    const s = activationScales(x, T, K);
    const err = (w2: Float64Array) => {
      const d = new Float64Array(T * N);
      for (let t = 0; t < T; t++)
        for (let k = 0; k < K; k++)
          for (let n = 0; n < N; n++) d[t * N + n] += x[t * K + k] * (w[k * N + n] - w2[k * N + n]);
      return frobenius2(d);
    };
    for (const r of [2, 3, 4])
      expect(err(product(asvd(w, K, N, r, s)))).toBeLessThan(err(product(lowRank(w, K, N, r))));
  });
});
