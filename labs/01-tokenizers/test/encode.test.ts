import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import gpt2 from "js-tiktoken/ranks/gpt2";
import o200k from "js-tiktoken/ranks/o200k_base";
import { Tiktoken } from "js-tiktoken/lite";
import { get_encoding } from "tiktoken";
import { applyMerges, type Merge } from "../src/encode.ts";
import { pairKey } from "../src/pairs.ts";
import { tokenizerFromJsTiktoken } from "../src/tiktoken-ranks.ts";
import type { Tokenizer } from "../src/tokenizer.ts";
import { MIXED_TEXT } from "../src/samples.ts";
import { firstDifference, randomUnicode } from "./util.ts";

const a = 97;
const b = 98;
const c = 99;
const table = (entries: [number, number, number, number][]) =>
  new Map<number, Merge>(entries.map(([x, y, rank, id]) => [pairKey(x, y), { rank, id }]));

describe("exercise: encode-piece", () => {
  it("applies merges by rank, not left to right", () => {
    // (a, b) rank 0, (b, c) rank 1, (ab, c) rank 2: abc -> ab c -> abc.
    expect(
      applyMerges(
        [a, b, c],
        table([
          [a, b, 0, 256],
          [b, c, 1, 257],
          [256, c, 2, 258],
        ]),
      ),
    ).toEqual([258]);
    // Swap the first two ranks: (b, c) now wins, and a + bc has no merge.
    expect(
      applyMerges(
        [a, b, c],
        table([
          [a, b, 1, 256],
          [b, c, 0, 257],
          [256, c, 2, 258],
        ]),
      ),
    ).toEqual([a, 257]);
  });

  it("merges the leftmost pair on a tie and keeps going until nothing merges", () => {
    // abab: (a, b) twice at rank 0 -> X X; (X, X) rank 1 -> Y.
    expect(
      applyMerges(
        [a, b, a, b],
        table([
          [a, b, 0, 256],
          [256, 256, 1, 257],
        ]),
      ),
    ).toEqual([257]);
    // aaa with (a, a): the leftmost pair merges first, leaving Z a.
    expect(applyMerges([a, a, a], table([[a, a, 0, 256]]))).toEqual([256, a]);
    expect(applyMerges([c], table([[a, b, 0, 256]]))).toEqual([c]);
    expect(applyMerges([], table([]))).toEqual([]);
  });

  describe("real vocabularies from js-tiktoken", () => {
    let ours: Record<string, Tokenizer>;
    let refs: Record<string, Tiktoken>;
    beforeAll(() => {
      ours = {
        gpt2: tokenizerFromJsTiktoken("gpt2", gpt2),
        o200k: tokenizerFromJsTiktoken("o200k_base", o200k),
      };
      refs = { gpt2: new Tiktoken(gpt2), o200k: new Tiktoken(o200k) };
    }, 60_000);

    for (const name of ["gpt2", "o200k"]) {
      it(`${name}: 100% identical ids to js-tiktoken on the mixed test text`, () => {
        const got = ours[name].encode(MIXED_TEXT);
        const want = refs[name].encode(MIXED_TEXT);
        expect(firstDifference(got, want)).toBe(-1);
        expect(got.length).toBeGreaterThan(100);
      });
    }

    it("o200k: identical to tiktoken itself (Rust, as WASM) on 40 random Unicode strings", () => {
      const wasm = get_encoding("o200k_base");
      const rng = new Rng(11);
      try {
        for (let i = 0; i < 40; i++) {
          const s = randomUnicode(rng, 40);
          expect(ours.o200k.encode(s), JSON.stringify(s)).toEqual(Array.from(wasm.encode(s)));
        }
      } finally {
        wasm.free();
      }
    });

    it("splits whitespace as tiktoken (Rust) does, where js-tiktoken does not", () => {
      // Rust's \s is Unicode White_Space, which includes U+0085 (NEXT LINE);
      // JavaScript's \s does not. js-tiktoken uses the JavaScript one, so on
      // this string it disagrees with tiktoken itself. We follow tiktoken.
      const text = "  \u0085x";
      const wasm = get_encoding("gpt2");
      try {
        const rust = Array.from(wasm.encode(text));
        expect(ours.gpt2.encode(text)).toEqual(rust);
        expect(refs.gpt2.encode(text)).not.toEqual(rust);
      } finally {
        wasm.free();
      }
    });

    it("special tokens: allowed, refused, or read as plain text", () => {
      const text = "end<|endoftext|>start";
      expect(ours.gpt2.encode(text)).toEqual(refs.gpt2.encode(text, "all"));
      expect(ours.gpt2.encode(text)).toContain(50256);
      expect(() => ours.gpt2.encode(text, { special: "raise" })).toThrow(
        /special token "<\|endoftext\|>" at index 3/,
      );
      expect(ours.gpt2.encode(text, { special: "ignore" })).toEqual(refs.gpt2.encode(text, [], []));
    });

    it("refuses text with a lone surrogate", () => {
      expect(() => ours.gpt2.encode("ok\udc00")).toThrow(/lone surrogate U\+DC00 at index 2/);
    });
  });
});
