import { describe, expect, it } from "vitest";
import { ngramIndex, ngramOverlap } from "../src/ngram.ts";
import { words } from "../src/words.ts";

const train = "Lily found a red ball.\n莉莉发现了一个红色的球。";

describe("exercise: ngram-overlap", () => {
  it("counts the example's n-grams found in the training text (hand calculation)", () => {
    // "Tom found a red ball." is Tom · found · a · red · ball · . → four 3-grams; all but
    // "Tom found a" occur in the training text: 3 / 4
    const index = ngramIndex(train, 3);
    expect(ngramOverlap("Tom found a red ball.", index, 3)).toEqual({ grams: 4, found: 3, fraction: 0.75 });
    // 莉莉发现了球: 莉莉发, 莉发现, 发现了 occur, 现了球 does not: 3 / 4
    expect(ngramOverlap("莉莉发现了球", index, 3)).toEqual({ grams: 4, found: 3, fraction: 0.75 });
  });

  it("a sentence of the training text overlaps fully, a new one not at all", () => {
    const index = ngramIndex(train, 4);
    expect(ngramOverlap("Lily found a red ball.", index, 4).fraction).toBe(1);
    expect(ngramOverlap("The fox ate two cakes.", index, 4)).toEqual({ grams: 3, found: 0, fraction: 0 });
  });
});

describe("words in two scripts", () => {
  it("splits Latin words, each Chinese character and punctuation", () => {
    expect(words('Lily found a ball. "Hi," 莉莉发现了')).toEqual([
      "Lily",
      "found",
      "a",
      "ball",
      ".",
      '"',
      "Hi",
      ",",
      '"',
      "莉",
      "莉",
      "发",
      "现",
      "了",
    ]);
  });
});
