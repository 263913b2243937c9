import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { estimateJaccard, minHasher, signature } from "../src/minhash.ts";
import { fmix32 } from "../src/shingles.ts";

describe("exercise: minhash-signature", () => {
  it("is the minimum of fmix32(x XOR seed) for each seed", () => {
    const m = minHasher(4, 3);
    const xs = new Uint32Array([7, 100, 12345, 0xdeadbeef]);
    const sig = signature(m, xs);
    for (let i = 0; i < 4; i++)
      expect(sig[i]).toBe(Math.min(...[...xs].map((x) => fmix32((x ^ m.seeds[i]) >>> 0))));
  });
  it("an empty set is all 0xffffffff", () => {
    expect([...signature(minHasher(3, 1), new Uint32Array(0))]).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
  });
  it("estimates Jaccard without bias (Broder 1997): within 3 standard errors", () => {
    // A = 0..299, B = 100..399: |A ∩ B| = 200, |A ∪ B| = 400, J = 0.5
    const A = Uint32Array.from({ length: 300 }, (_, i) => i * 2654435761);
    const B = Uint32Array.from({ length: 300 }, (_, i) => (i + 100) * 2654435761);
    const H = 2000;
    const m = minHasher(H, 9);
    const est = estimateJaccard(signature(m, A), signature(m, B));
    // standard error √(J(1 − J)/H) = √(0.25/2000) ≈ 0.0112
    expect(Math.abs(est - 0.5)).toBeLessThan(3 * 0.0112);
  });
  it("identical sets agree everywhere, disjoint sets almost nowhere", () => {
    const rng = new Rng(2);
    const A = Uint32Array.from({ length: 50 }, () => rng.nextUint32());
    const C = Uint32Array.from({ length: 50 }, () => rng.nextUint32());
    const m = minHasher(64, 4);
    expect(estimateJaccard(signature(m, A), signature(m, A.slice().reverse()))).toBe(1);
    expect(estimateJaccard(signature(m, A), signature(m, C))).toBeLessThan(0.1);
  });
});
