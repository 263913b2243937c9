import { describe, expect, it } from "vitest";
import { duplicateLineFraction, gopherReject, topNgramFraction, wordStats } from "../src/quality.ts";
import { copyUnits, scanUnits } from "../src/shingles.ts";

const units = (t: string) => copyUnits(scanUnits(t));

describe("exercise: top-ngram", () => {
  it("the worked example: 'the cat sat on the cat mat', n = 2", () => {
    // "the cat" twice, 6 characters each: 12 of 20 characters
    expect(topNgramFraction(units("the cat sat on the cat mat"), 2)).toBeCloseTo(0.6, 10);
  });
  it("no repeated n-gram: the longest one, once", () => {
    // "aa bbb c dddd": 3-grams "aa bbb c" (6) and "bbb c dddd" (8); each once → 8 / 10
    expect(topNgramFraction(units("aa bbb c dddd"), 3)).toBeCloseTo(0.8, 10);
  });
  it("a repeated line is caught at n = 4", () => {
    // "go home now please" ×3: each 4-gram start… the top 4-gram occurs 3 times, 4+4+3+6 = 17 chars, total 51
    expect(
      topNgramFraction(units("go home now please go home now please go home now please"), 4),
    ).toBeCloseTo(51 / 51, 10);
  });
  it("counts Chinese characters as units", () => {
    // 我爱猫我爱狗: 2-grams 我爱 ×2 → 2·2 of 6 characters
    expect(topNgramFraction(units("我爱猫我爱狗"), 2)).toBeCloseTo(4 / 6, 10);
  });
});

describe("the Gopher rules", () => {
  it("duplicate lines and word statistics", () => {
    expect(duplicateLineFraction(["a", "b", "a", "", "a"])).toBe(0.5);
    expect(wordStats("#sale #toys cheap...")).toEqual({ words: 3, symbols: 3, alpha: 3 });
  });
  it("rejects a short page and keeps a story", () => {
    expect(gopherReject("Hello there.", units("Hello there."))).toBe("too few words");
    const story =
      "Once upon a time there was a little cat who lived with an old man in a small house by the river. " +
      "Every morning the cat went to the garden to look at the flowers and to play with the birds that came to sing. " +
      "One day the cat found a red ball under the tree and carried it home to show the old man, who laughed and smiled.";
    expect(gopherReject(story, units(story))).toBeNull();
  });
});
