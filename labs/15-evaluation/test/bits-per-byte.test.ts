import { byteBigramNll, bitsPerByte, bytesOf, specimenByteLengths } from "../src/bits-per-byte.ts";
import { specimenTokenizer } from "../src/lm.ts";
import { describe, expect, it } from "vitest";

describe("bits per byte", () => {
  it("the tokens' byte lengths add up to the text's UTF-8 length", async () => {
    const tok = await specimenTokenizer();
    const lengths = specimenByteLengths();
    const text = 'Lily found a red ball. "Hello!"\n莉莉发现了一个红色的球。<|endoftext|>Tom 汤姆';
    const ids = tok.encode(text);
    expect(bytesOf(ids, lengths, 0)).toBe(new TextEncoder().encode(text).length);
  });

  it("is nats over ln 2 per byte (hand calculation)", () => {
    expect(bitsPerByte(8 * Math.LN2, 4)).toBeCloseTo(2, 12); // 8 bits over 4 bytes
  });

  it("a byte bigram that has seen 'ab' only (hand calculation)", () => {
    // counts: (a, b) = 2, a = 2 (from "abab"); p(b | a) = (2 + 1) / (2 + 256) on "ab"
    const enc = new TextEncoder();
    const r = byteBigramNll(enc.encode("abab"), enc.encode("ab"));
    expect(r.count).toBe(1);
    expect(r.nll).toBeCloseTo(-Math.log(3 / 258), 10);
  });
});
