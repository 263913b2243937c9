import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { bandKeys, collide, sCurve, threshold } from "../src/lsh.ts";

describe("exercise: lsh-bands", () => {
  const banding = { bands: 4, rows: 3 };
  it("a band's key depends on that band's values only", () => {
    const a = Uint32Array.from({ length: 12 }, (_, i) => i + 1);
    const b = a.slice();
    b[4] = 999; // band 1 (positions 3, 4, 5)
    const ka = bandKeys(a, banding);
    const kb = bandKeys(b, banding);
    expect([ka[0] === kb[0], ka[1] === kb[1], ka[2] === kb[2], ka[3] === kb[3]]).toEqual([
      true,
      false,
      true,
      true,
    ]);
  });
  it("the same values in different bands give different keys", () => {
    const sig = new Uint32Array(12).fill(5);
    const k = bandKeys(sig, banding);
    expect(new Set(k).size).toBe(4);
  });
  it("keys are well spread: 1,000 random signatures give 4,000 distinct keys", () => {
    const rng = new Rng(1);
    const keys = new Set<number>();
    for (let d = 0; d < 1000; d++)
      for (const k of bandKeys(
        Uint32Array.from({ length: 12 }, () => rng.nextUint32()),
        banding,
      ))
        keys.add(k);
    expect(keys.size).toBeGreaterThan(3990);
  });
  it("collision rate follows 1 − (1 − s^r)^b", () => {
    // signatures that agree at each position with probability s: the S-curve's model
    const rng = new Rng(5);
    const b = { bands: 5, rows: 4 };
    for (const s of [0.4, 0.7]) {
      let hits = 0;
      const N = 2000;
      for (let n = 0; n < N; n++) {
        const x = Uint32Array.from({ length: 20 }, () => rng.nextUint32());
        const y = x.map((v) => (rng.next() < s ? v : rng.nextUint32()));
        if (collide(x, y, b)) hits++;
      }
      const p = 1 - (1 - s ** 4) ** 5; // 0.4: 0.1223; 0.7: 0.7794
      expect(Math.abs(hits / N - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N));
    }
  });
});

describe("the S-curve", () => {
  it("matches the formula by hand", () => {
    // b = 10, r = 6, s = 0.7: 0.7^6 = 0.117649, 1 − 0.882351^10 = 0.7144
    expect(sCurve(0.7, { bands: 10, rows: 6 })).toBeCloseTo(0.7144, 3);
    // (1/10)^(1/6) = 0.6813
    expect(threshold({ bands: 10, rows: 6 })).toBeCloseTo(0.6813, 3);
  });
});
