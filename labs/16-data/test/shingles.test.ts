import { describe, expect, it } from "vitest";
import { fmix32, jaccard, scanUnits, shingleHashes, unitHash } from "../src/shingles.ts";

// An independent shingler: split into units with a regex, hash each with FNV-1a
// written out here, fold k of them with ·31, finish with fmix32.
function reference(text: string, k: number): number[] {
  const units = text.match(/[\u4e00-\u9fff\u3400-\u4dbf]|[0-9A-Za-z\u00c0-\u024f]+/g) ?? [];
  const h = units.map((u) => {
    let x = 0x811c9dc5;
    for (const ch of u.toLowerCase()) x = Math.imul(x ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return x;
  });
  const w = Math.min(k, h.length);
  const out: number[] = [];
  for (let i = 0; i + w <= h.length; i++) {
    let acc = 0;
    for (let j = 0; j < w; j++) acc = (Math.imul(acc, 31) + h[i + j]) >>> 0;
    out.push(fmix32(acc));
  }
  return out;
}

describe("exercise: shingles", () => {
  it("splits English into words and Chinese into characters", () => {
    // "Tom 有一只猫." → Tom, 有, 一, 只, 猫: 5 units
    const u = scanUnits("Tom 有一只猫.");
    expect(u.n).toBe(5);
    expect([...u.han.slice(0, 5)]).toEqual([0, 1, 1, 1, 1]);
    expect(u.hash[0]).toBe(unitHash("tom"));
  });
  it("lower-cases and ignores punctuation", () => {
    expect([...shingleHashes("The cat, sat!", 2)]).toEqual([...shingleHashes("the CAT sat", 2)]);
  });
  it("gives n − k + 1 shingles equal to an independent implementation", () => {
    const text = "Lily found a red ball.\n莉莉找到了一个红色的球。";
    // 5 words + 11 Han characters = 16 units → 12 shingles of 5
    const s = shingleHashes(text, 5);
    expect(s.length).toBe(12);
    expect([...s]).toEqual(reference(text, 5));
  });
  it("one Chinese character changed leaves most shingles shared", () => {
    const a = shingleHashes("小猫在花园里玩球，玩得很开心。", 3).slice();
    const b = shingleHashes("小猫在花园里玩球，玩得很高心。", 3);
    // 13 units (8 + 5), 11 shingles; the changed unit (the 12th) is in the last 2 of them:
    // 9 shared, 9 + 2 + 2 = 13 in the union → 9/13
    expect(jaccard(a, b)).toBeCloseTo(9 / 13, 10);
  });
});
