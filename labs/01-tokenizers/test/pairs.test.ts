import { describe, expect, it } from "vitest";
import { countPairs, pairKey, unpairKey } from "../src/pairs.ts";

const a = 97;
const b = 98;
const c = 99;
const d = 100;
// "aaabdaaabac", the example from the Wikipedia article on byte-pair encoding.
const TOY = [a, a, a, b, d, a, a, a, b, a, c];

describe("exercise: count-pairs", () => {
  it("counts the adjacent pairs of aaabdaaabac (by hand: aa 4, ab 2, bd da ba ac 1 each)", () => {
    // a a a b d a a a b a c
    //  aa aa ab bd da aa aa ab ba ac
    const counts = countPairs(TOY);
    expect(counts.get(pairKey(a, a))).toBe(4);
    expect(counts.get(pairKey(a, b))).toBe(2);
    expect(counts.get(pairKey(b, d))).toBe(1);
    expect(counts.get(pairKey(d, a))).toBe(1);
    expect(counts.get(pairKey(b, a))).toBe(1);
    expect(counts.get(pairKey(a, c))).toBe(1);
    expect(counts.size).toBe(6);
  });

  it("counts overlapping pairs: aaa holds (a, a) twice", () => {
    expect(countPairs([a, a, a]).get(pairKey(a, a))).toBe(2);
  });

  it("has no pairs in a sequence shorter than two", () => {
    expect(countPairs([]).size).toBe(0);
    expect(countPairs([a]).size).toBe(0);
  });

  it("weights each pair by the word count and adds to an existing map", () => {
    const counts = countPairs([a, b], new Map(), 10); // "ab" seen 10 times
    countPairs([a, b, c], counts, 3); // "abc" seen 3 times
    expect(counts.get(pairKey(a, b))).toBe(13);
    expect(counts.get(pairKey(b, c))).toBe(3);
  });
});

describe("pair keys", () => {
  it("pack and unpack every id below 2^20, and sort like the pairs", () => {
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [199_999, 200_018],
      [1_048_575, 1_048_575],
    ]) {
      expect(unpairKey(pairKey(x, y))).toEqual([x, y]);
    }
    expect(pairKey(1, 1_048_575)).toBeLessThan(pairKey(2, 0));
  });
});
