import { describe, expect, it } from "vitest";
import gpt2 from "js-tiktoken/ranks/gpt2";
import { Tiktoken } from "js-tiktoken/lite";
import { expandVocab, tokensPerChar } from "../src/expand-vocab.ts";
import { tokenizerFromJsTiktoken } from "../src/tiktoken-ranks.ts";
import { corpus } from "../src/corpus.ts";
import { CHINESE_PASSAGE, ENGLISH_PASSAGE, MIXED_TEXT } from "../src/samples.ts";
import { once } from "./util.ts";

describe("exercise: expand-vocab", () => {
  const heldOut = corpus(102, 20_000, "zh"); // a different seed from the training text
  const setup = once(() => {
    const base = tokenizerFromJsTiktoken("gpt2", gpt2);
    return { base, ...expandVocab(base, corpus(101, 100_000, "zh"), 300) };
  });

  it("adds the new tokens after every old id, special tokens included", () => {
    const { tokenizer: expanded, added } = setup();
    expect(added).toHaveLength(300);
    expect(added.map((m) => m.id)).toEqual(Array.from({ length: 300 }, (_, i) => 50257 + i));
    expect(expanded.vocabSize).toBe(50257 + 300);
    // A new token is its two parts, byte for byte.
    for (const m of added) {
      expect([...expanded.tokenBytes(m.id)]).toEqual([
        ...expanded.tokenBytes(m.a),
        ...expanded.tokenBytes(m.b),
      ]);
    }
  });

  it("makes Chinese text shorter", () => {
    const { base, tokenizer: expanded } = setup();
    for (const text of [heldOut, CHINESE_PASSAGE]) {
      expect(tokensPerChar(expanded, text)).toBeLessThan(tokensPerChar(base, text));
      expect(expanded.decode(expanded.encode(text))).toBe(text);
    }
    expect(expanded.encode(heldOut).some((id) => id >= 50257)).toBe(true);
  });

  it("leaves English exactly as GPT-2 (js-tiktoken) encodes it", () => {
    const { tokenizer: expanded } = setup();
    const reference = new Tiktoken(gpt2);
    for (const text of [ENGLISH_PASSAGE, corpus(103, 20_000, "en")])
      expect(expanded.encode(text)).toEqual(reference.encode(text));
  });

  it("does not touch the base tokenizer", () => {
    const { base } = setup();
    expect(base.encode(MIXED_TEXT)).toEqual(new Tiktoken(gpt2).encode(MIXED_TEXT));
    expect(base.vocabSize).toBe(50257);
  });
});
