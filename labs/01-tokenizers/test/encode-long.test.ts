import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import o200k from "js-tiktoken/ranks/o200k_base";
import { Tiktoken } from "js-tiktoken/lite";
import { applyMerges, type Merge } from "../src/encode.ts";
import { applyMergesLong, LONG_PIECE } from "../src/encode-long.ts";
import { pairKey } from "../src/pairs.ts";
import { corpus } from "../src/corpus.ts";
import { tokenizerFromJsTiktoken } from "../src/tiktoken-ranks.ts";
import type { Tokenizer } from "../src/tokenizer.ts";
import { utf8Bytes } from "../src/bytes.ts";
import { firstDifference } from "./util.ts";

// The tokenizer sends pieces of LONG_PIECE bytes or more to the heap merge
// (encode-long.ts). It must pick exactly the merges the exercise's scan picks.

// A random merge table over a small alphabet, with ties in rank (as tiktoken tables have).
function randomTable(rng: Rng, alphabet: number, merges: number): Map<number, Merge> {
  const table = new Map<number, Merge>();
  let next = alphabet;
  const made: number[] = Array.from({ length: alphabet }, (_, i) => i);
  for (let m = 0; m < merges; m++) {
    const a = made[rng.int(made.length)];
    const b = made[rng.int(made.length)];
    if (table.has(pairKey(a, b))) continue;
    // Every third merge shares its rank (and id) with the one before: one token, two cuts.
    const shared = m % 3 === 2 && next > alphabet;
    const id = shared ? next - 1 : next++;
    table.set(pairKey(a, b), { rank: id, id });
    if (!shared) made.push(id);
  }
  return table;
}

describe("long pieces: the heap merge", () => {
  it("gives the scan's ids on 600 random pieces and tables, ties included", () => {
    const rng = new Rng(19);
    for (let t = 0; t < 600; t++) {
      const alphabet = 2 + rng.int(5);
      const table = randomTable(rng, alphabet, 5 + rng.int(40));
      const ids = Array.from({ length: rng.int(200) }, () => rng.int(alphabet));
      expect(applyMergesLong(ids, table), JSON.stringify(ids)).toEqual(applyMerges([...ids], table));
    }
  });

  it("leaves its input alone and handles the empty and one-token pieces", () => {
    const table = new Map<number, Merge>([[pairKey(1, 1), { rank: 0, id: 9 }]]);
    const ids = [1, 1, 1];
    expect(applyMergesLong(ids, table)).toEqual([9, 1]);
    expect(ids).toEqual([1, 1, 1]);
    expect(applyMergesLong([], table)).toEqual([]);
    expect(applyMergesLong([1], table)).toEqual([1]);
  });

  describe("o200k_base on Chinese without spaces (one piece)", () => {
    let ours: Tokenizer;
    let han: string;
    beforeAll(() => {
      ours = tokenizerFromJsTiktoken("o200k_base", o200k);
      han = corpus(2024, 40_000, "zh").replace(/\P{Script=Han}/gu, "");
    }, 60_000);

    it("is one piece long enough for the heap, and equals the scan on it", () => {
      const text = han.slice(0, 4_000);
      expect(ours.pieces(text)).toEqual([text]);
      expect(utf8Bytes(text).length).toBeGreaterThan(LONG_PIECE);
      const byteId = (b: number) => ours.tokens.findIndex((t) => t?.length === 1 && t[0] === b);
      const ids = utf8Bytes(text).map(byteId);
      expect(firstDifference(applyMergesLong(ids, ours.merges), applyMerges([...ids], ours.merges))).toBe(-1);
    });

    it("encodes 300 characters (900 bytes) to js-tiktoken's ids", () => {
      const text = han.slice(0, 300);
      expect(firstDifference(ours.encode(text), new Tiktoken(o200k).encode(text))).toBe(-1);
    });
  });
});
