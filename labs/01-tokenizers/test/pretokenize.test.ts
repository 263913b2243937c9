import { describe, expect, it } from "vitest";
import {
  CL100K_PATTERN,
  GPT2_PATTERN,
  O200K_PATTERN,
  regexPreTokenizer,
  splitPreTokenizer,
  toJsRegexSource,
} from "../src/pretokenize.ts";

describe("pre-tokenization", () => {
  it("translates the Rust/Oniguruma spellings JavaScript lacks", () => {
    expect(toJsRegexSource(String.raw`(?i:'s|'ll)x`)).toBe(String.raw`(?:'[sS]|'[lL][lL])x`);
    expect(toJsRegexSource(String.raw`[^\s\p{L}]+|\s+(?!\S)`)).toBe(
      String.raw`[^\p{White_Space}\p{L}]+|\p{White_Space}+(?!\P{White_Space})`,
    );
    expect(() => toJsRegexSource(String.raw`\p{L}++`)).toThrow(/possessive quantifier/);
  });

  it("splits as GPT-2's pattern says: a space joins the next word, the last space of a run is left for it", () => {
    // Read off the alternatives: ' ?\p{L}+' takes " b"; '\s+(?!\S)' takes the spaces before it but one.
    expect(regexPreTokenizer(GPT2_PATTERN)("a   b")).toEqual(["a", "  ", " b"]);
    expect(regexPreTokenizer(GPT2_PATTERN)("it's 2024!")).toEqual(["it", "'s", " 2024", "!"]);
  });

  it("cuts numbers into groups of three (cl100k, o200k) and words at case changes (o200k)", () => {
    expect(regexPreTokenizer(CL100K_PATTERN)("12345 camelCase")).toEqual(["123", "45", " camelCase"]);
    expect(regexPreTokenizer(O200K_PATTERN)("12345 camelCase")).toEqual(["123", "45", " camel", "Case"]);
    // Contractions in any case, glued to the word in o200k, separate in cl100k.
    expect(regexPreTokenizer(O200K_PATTERN)("THEY'LL")).toEqual(["THEY'LL"]);
    expect(regexPreTokenizer(CL100K_PATTERN)("THEY'LL")).toEqual(["THEY", "'LL"]);
  });

  it("implements Hugging Face's Split behaviors", () => {
    const digits = String.raw`\d+`;
    expect(splitPreTokenizer(digits, "Isolated", false)("ab12cd3")).toEqual(["ab", "12", "cd", "3"]);
    expect(splitPreTokenizer(digits, "Removed", false)("ab12cd3")).toEqual(["ab", "cd"]);
    expect(splitPreTokenizer(digits, "Removed", true)("ab12cd3")).toEqual(["12", "3"]);
  });
});
