import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import gpt2 from "js-tiktoken/ranks/gpt2";
import { Tiktoken } from "js-tiktoken/lite";
import { incompleteUtf8Tail } from "../src/decode.ts";
import { tokenizerFromJsTiktoken } from "../src/tiktoken-ranks.ts";
import { trainBpe } from "../src/train.ts";
import { corpus } from "../src/corpus.ts";
import type { Tokenizer } from "../src/tokenizer.ts";
import { once, randomUnicode } from "./util.ts";

let gpt2Tok: Tokenizer;
beforeAll(() => {
  gpt2Tok = tokenizerFromJsTiktoken("gpt2", gpt2);
}, 60_000);

describe("exercise: utf8-tail", () => {
  it("counts the bytes of an unfinished character at the end (worked out from the lead bytes)", () => {
    expect(incompleteUtf8Tail([])).toBe(0);
    expect(incompleteUtf8Tail([0x41])).toBe(0); // "A"
    // é = C3 A9: C3 = 110xxxxx announces 2 bytes.
    expect(incompleteUtf8Tail([0xc3])).toBe(1);
    expect(incompleteUtf8Tail([0xc3, 0xa9])).toBe(0);
    // 你 = E4 BD A0: E4 = 1110xxxx announces 3.
    expect(incompleteUtf8Tail([0xe4])).toBe(1);
    expect(incompleteUtf8Tail([0x41, 0xe4, 0xbd])).toBe(2);
    expect(incompleteUtf8Tail([0xe4, 0xbd, 0xa0])).toBe(0);
    // 🤖 = F0 9F A4 96: F0 = 11110xxx announces 4.
    expect(incompleteUtf8Tail([0xf0, 0x9f, 0xa4])).toBe(3);
    expect(incompleteUtf8Tail([0x41, 0xf0, 0x9f, 0xa4, 0x96])).toBe(0);
  });

  it("lets a stream decoder print GPT-2's byte tokens without ever showing a broken character", () => {
    const text = "你好，世界！🤖 café 🇨🇳";
    const ids = gpt2Tok.encode(text);
    // GPT-2 knows few Chinese characters: more tokens than characters, so some tokens are character fragments.
    expect(ids.length).toBeGreaterThan([...text].length);
    const naive = ids.map((id) => gpt2Tok.decode([id], { errors: "replace" })).join("");
    expect(naive).toContain("\ufffd");
    const stream = gpt2Tok.streamDecoder();
    const chunks = ids.map((id) => stream.push(id));
    for (const chunk of chunks) expect(chunk).not.toContain("\ufffd");
    expect(chunks.join("") + stream.end()).toBe(text);
    expect(chunks.filter((c) => c === "").length).toBeGreaterThan(0); // tokens that were held back
  });

  it("streams js-tiktoken's ids for random text back to that text, chunk by chunk", () => {
    // (We compare with the original string, not with js-tiktoken's decode:
    // that one uses a default TextDecoder, which drops a leading U+FEFF.)
    const ref = new Tiktoken(gpt2);
    const rng = new Rng(3);
    for (let i = 0; i < 20; i++) {
      const s = randomUnicode(rng, 25);
      const stream = gpt2Tok.streamDecoder();
      expect(
        ref
          .encode(s)
          .map((id) => stream.push(id))
          .join("") + stream.end(),
      ).toBe(s);
    }
  });

  it("complains when the stream ends inside a character", () => {
    const stream = gpt2Tok.streamDecoder();
    const ids = gpt2Tok.encode("🤖");
    expect(ids.length).toBeGreaterThan(1);
    stream.push(ids[0]);
    expect(stream.held).toBeGreaterThan(0);
    expect(() => stream.end()).toThrow(/the token stream ended inside a character/);
  });
});

describe("decoding", () => {
  it("refuses, in strict mode, ids that end in the middle of a character", () => {
    const ids = gpt2Tok.encode("🤖");
    expect(() => gpt2Tok.decode(ids.slice(0, 1))).toThrow(
      /do not decode to text: invalid UTF-8 .*use streamDecoder/,
    );
    expect(gpt2Tok.decode(ids.slice(0, 1), { errors: "replace" })).toBe("\ufffd");
  });

  it("refuses input bytes that are not UTF-8, saying where", () => {
    expect(gpt2Tok.encodeBytes(Uint8Array.of(0x68, 0x69))).toEqual(gpt2Tok.encode("hi"));
    expect(() => gpt2Tok.encodeBytes(Uint8Array.of(0x68, 0x69, 0xff))).toThrow(
      "gpt2: cannot encode these bytes: invalid UTF-8 at byte 2: byte 0xFF never appears in UTF-8",
    );
    expect(() => gpt2Tok.encodeBytes(Uint8Array.of(0xe4, 0xbd))).toThrow(
      /at byte 0: sequence starting with 0xE4 needs 3 bytes but the input ends after 2/,
    );
  });

  it("refuses an id outside the vocabulary", () => {
    expect(() => gpt2Tok.decode([60_000])).toThrow(
      "gpt2: token id 60000 is not in the vocabulary (ids run from 0 to 50256)",
    );
  });
});

describe("byte-level round trip: decode(encode(x)) === x", () => {
  const trained = once(() => trainBpe(corpus(9, 20_000), { vocabSize: 300 }).tokenizer);

  it("holds for 200 seeded random Unicode strings, for GPT-2 and for a tokenizer we trained", () => {
    // (o200k, Qwen3, Llama 3 and GPT-4o are checked id for id against their references on random strings instead.)
    const rng = new Rng(2024);
    for (let i = 0; i < 200; i++) {
      const s = randomUnicode(rng, 1 + rng.int(60));
      for (const tok of [gpt2Tok, trained()])
        expect(tok.decode(tok.encode(s)), `${tok.name} ${JSON.stringify(s)}`).toBe(s);
    }
  });
});
