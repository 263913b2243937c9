import { describe, expect, it } from "vitest";
import { merge } from "../src/merge.ts";

const a = 97;
const b = 98;
const c = 99;
const d = 100;

describe("exercise: merge-pair", () => {
  it("replaces every (a, a) in aaabdaaabac, left to right: Z a b d Z a b a c", () => {
    // a a|a b d a a|a b a c : the third a of each run is left over.
    expect(merge([a, a, a, b, d, a, a, a, b, a, c], a, a, 256)).toEqual([256, a, b, d, 256, a, b, a, c]);
  });

  it("does not overlap matches: aaaa -> Z Z, aaa -> Z a", () => {
    expect(merge([a, a, a, a], a, a, 256)).toEqual([256, 256]);
    expect(merge([a, a, a], a, a, 256)).toEqual([256, a]);
  });

  it("leaves a sequence without the pair as it was, and never changes its input", () => {
    const ids = [a, b, c];
    expect(merge(ids, b, a, 300)).toEqual([a, b, c]);
    expect(merge(ids, b, c, 300)).toEqual([a, 300]);
    expect(ids).toEqual([a, b, c]);
    expect(merge([], a, b, 300)).toEqual([]);
  });

  it("only merges the pair in that order", () => {
    expect(merge([b, a, a, b], a, b, 300)).toEqual([b, a, 300]);
  });
});
