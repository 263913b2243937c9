// The seeded generator. The expected numbers are computed here, independently,
// from mulberry32's definition in exact BigInt arithmetic mod 2^32, not copied
// from running Rng.
import { describe, expect, it } from "vitest";
import { Rng, randn } from "../src/index.ts";

const M32 = 2n ** 32n;

// mulberry32, restated: s += 0x6D2B79F5; z = (z ^ z>>15)·(z|1); z ^= z + (z ^ z>>7)·(z|61);
// out = z ^ z>>14, every step mod 2^32.
function mulberry32Reference(seed: number, count: number): bigint[] {
  let s = BigInt(seed);
  const out: bigint[] = [];
  for (let n = 0; n < count; n++) {
    s = (s + 0x6d2b79f5n) % M32;
    let z = s;
    z = ((z ^ (z >> 15n)) * (z | 1n)) % M32;
    z = z ^ ((z + (z ^ (z >> 7n)) * (z | 61n)) % M32);
    out.push(z ^ (z >> 14n));
  }
  return out;
}

describe("Rng", () => {
  it("seed 42: the first outputs equal the BigInt restatement of mulberry32", () => {
    const want = mulberry32Reference(42, 8);
    const rng = new Rng(42);
    for (const w of want) expect(rng.next()).toBe(Number(w) / 2 ** 32);
  });

  it("agrees with the restatement for other seeds, including 0 and 2^32 - 1", () => {
    for (const seed of [0, 1, 123456789, 4294967295]) {
      const rng = new Rng(seed);
      for (const w of mulberry32Reference(seed, 100)) expect(rng.nextUint32()).toBe(Number(w));
    }
  });

  it("same seed, same numbers; different seed, different numbers", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it("int(n) is u32 mod n with rejection of the top partial block", () => {
    // For n = 6, 2^32 mod 6 = 4, so the 4 largest uint32 values would be rejected.
    const want = mulberry32Reference(42, 10).map((u) => Number(u % 6n));
    const rng = new Rng(42);
    expect(Array.from({ length: 10 }, () => rng.int(6))).toEqual(want);
    expect(() => rng.int(0)).toThrow("Rng.int: n must be an integer in [1, 2^32], got 0");
  });

  it("int(10) is uniform: chi-square over 20,000 draws below 27.88 (df 9, p = 0.001)", () => {
    const rng = new Rng(2024);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[rng.int(10)]++;
    const expected = 2000;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88);
  });

  it("normal() is Box–Muller on two consecutive uniforms", () => {
    const [a, b] = mulberry32Reference(42, 2).map((u) => Number(u) / 2 ** 32);
    const want = Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b);
    expect(new Rng(42).normal()).toBe(want);
    expect(new Rng(42).normal(3, 2)).toBe(3 + 2 * want);
  });

  it("normal() has mean 0 and std 1 over 20,000 draws (within 5 standard errors)", () => {
    const rng = new Rng(99);
    const n = 20000;
    const xs = Array.from({ length: n }, () => rng.normal());
    const mean = xs.reduce((s, v) => s + v, 0) / n;
    const std = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    // Standard errors: of the mean 1/√n ≈ 0.0071, of the std 1/√(2n) = 0.005.
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(std - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
  });

  it("shuffle is an in-place permutation, and all 6 orders of 3 items are equally likely", () => {
    const rng = new Rng(3);
    const xs = [1, 2, 3, 4, 5, 6, 7];
    const same = rng.shuffle(xs);
    expect(same).toBe(xs);
    expect([...xs].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const counts = new Map<string, number>();
    for (let i = 0; i < 12000; i++) {
      const key = rng.shuffle(["a", "b", "c"]).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Chi-square with 5 degrees of freedom; 20.52 is the p = 0.001 critical value.
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(20.52);
  });

  it("fill and randn draw normals in order and scale them by std", () => {
    const want = new Rng(5);
    const w = Array.from({ length: 6 }, () => Math.fround(want.normal(0, 0.5)));
    expect(Array.from(new Rng(5).fill(new Float32Array(6), 0.5))).toEqual(w);
    const t = randn(new Rng(5), [2, 3], 0.5);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual(w);
  });
});
