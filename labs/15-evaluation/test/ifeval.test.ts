import { describe, expect, it } from "vitest";
import { cutAtStop, exactMatch } from "../src/generation.ts";
import { checkResponse, followed, ifevalMetrics, looseVariants } from "../src/ifeval.ts";

describe("IFEval-style checkers", () => {
  it("check each rule on hand-written responses", () => {
    expect(followed("Lily went home.", { id: "keywords:existence", keywords: ["lily"] })).toBe(true);
    expect(followed("Tom went home.", { id: "keywords:existence", keywords: ["Lily"] })).toBe(false);
    expect(followed("No commas here.", { id: "punctuation:no_comma" })).toBe(true);
    expect(followed("从前，有一只猫", { id: "punctuation:no_comma" })).toBe(false);
    // "Lily found a ball." has 4 words (the full stop is not one); 莉莉 is 2
    const lt = (n: number) => ({
      id: "length_constraints:number_words" as const,
      relation: "less than" as const,
      num_words: n,
    });
    expect(followed("Lily found a ball.", lt(5))).toBe(true);
    expect(followed("Lily found a ball. 莉莉", lt(6))).toBe(false);
    expect(followed('  "The end."  ', { id: "startend:end_checker", end_phrase: "the end." })).toBe(true);
    expect(followed("莉莉是一只猫 cat", { id: "language:response_language", language: "zh" })).toBe(true);
    expect(followed("Lily 莉莉", { id: "language:response_language", language: "zh" })).toBe(false);
  });

  it("loose accuracy forgives a first line and asterisks", () => {
    expect(looseVariants("Sure!\n**Lily**")).toContain("Lily");
    const s = checkResponse("Sure, here it is:\nLily went home", [
      { id: "punctuation:no_comma" },
      { id: "keywords:existence", keywords: ["Lily"] },
    ]);
    expect(s).toEqual({ strict: [false, true], loose: [true, true] });
    const m = ifevalMetrics([s, { strict: [true], loose: [true] }]);
    expect(m.prompt_level_strict_acc).toEqual([0, 1]);
    expect(m.inst_level_strict_acc).toEqual([0, 1, 1]);
    expect(m.prompt_level_loose_acc).toEqual([1, 1]);
  });
});

describe("exact match after generate_until", () => {
  it("cuts at the first stop string and compares", () => {
    expect(cutAtStop("莉莉。莉莉住在", ["。", "\n"])).toBe("莉莉");
    expect(cutAtStop("no stop", ["。"])).toBe("no stop");
    expect(exactMatch(" 莉莉 ", "莉莉")).toBe(1);
    expect(exactMatch("莉", "莉莉")).toBe(0);
  });
});
