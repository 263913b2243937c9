import { UserError } from "@llm-labs/kit";
import { bytesToTokenString } from "@llm-labs/lab-tokenizers";
import { beforeAll, describe, expect, it } from "vitest";
import { compileRegex } from "../src/grammar.ts";
import { CompiledGrammar } from "../src/mask-cache.ts";
import { startFrame } from "../src/pushdown.ts";
import { hasBit } from "../src/token-mask.ts";
import type { Vocab } from "../src/vocab.ts";
import { type XGrammar, xgCompiler, xgCompileRegex } from "../src/xgrammar.ts";

describe("the regex subset refuses what it does not support, in one line", () => {
  const refused: [string, RegExp][] = [
    ["(a)\\1", /backreferences/],
    ["a(?=b)", /lookaround/],
    ["a*?", /lazy quantifiers/],
    ["\\bword", /word boundaries/],
    ["\\s+", /`\\s`/],
    ["[é]", /non-ASCII characters inside brackets/],
    ["\\p{L}", /Unicode properties/],
    ["a{2000}", /repetition bound above 1000/],
    ["a$b", /`\$` before the end/],
    ["(ab", /unclosed `\(`/],
    ["[ab", /unclosed `\[`/],
    ["\\xff", /above \\x7f/],
  ];
  for (const [p, why] of refused) {
    it(`/${p}/`, () => {
      expect(() => compileRegex(p)).toThrow(UserError);
      expect(() => compileRegex(p)).toThrow(why);
      try {
        compileRegex(p);
      } catch (e) {
        expect((e as Error).message.split("\n")).toHaveLength(1);
        expect((e as Error).message).toContain(`/${p}/`);
      }
    });
  }
  it("accepts ^ at the start and $ at the end", () => {
    expect(compileRegex("^ab$").rules[0].size).toBe(compileRegex("ab").rules[0].size);
  });
});

describe("UTF-8 as XGrammar reads it (hand-made tokens)", () => {
  // Byte strings chosen to probe the edges: lone leads, continuation bytes, the
  // over-long C0 80, a surrogate ED A0 80, F4 90 80 80 (above U+10FFFF), F5-F8 leads.
  const hex = (s: string) => s.split(" ").map((h) => Number.parseInt(h, 16));
  const probes = [
    "61",
    "C3",
    "C3 A9",
    "C1",
    "C1 A1",
    "C0 80",
    "80",
    "BF",
    "E0",
    "E0 81 A1",
    "ED A0 80",
    "EF BF BF",
    "F0",
    "F0 9F 98 80",
    "F4 90 80 80",
    "F5",
    "F7 BF BF BF",
    "F8",
    "FF",
    "C2 41",
    "22",
    "5C",
    "0A",
    "1F",
  ].map(hex);
  const strings = [...probes.map((p) => bytesToTokenString(p)), "<|end|>"];
  const v: Vocab = {
    name: "probes",
    size: strings.length,
    strings,
    bytes: [...probes.map((p) => Uint8Array.from(p)), null],
    stop: [strings.length - 1],
  };
  let xg: XGrammar;
  let compiler: Awaited<ReturnType<typeof xgCompiler>>["compiler"];
  beforeAll(async () => {
    ({ xg, compiler } = await xgCompiler(v));
  });

  for (const p of ["[^a]+", 'a[^"\\\\]', ".+", "[a-z]+", "é+", "\\W+", "[^\\x00-\\x7f]"]) {
    it(`/${p}/: the first mask equals XGrammar's`, async () => {
      const m = await xg.GrammarMatcher.createGrammarMatcher(await xgCompileRegex(compiler, p));
      const theirs = await m.getNextTokenBitmask();
      const ours = new CompiledGrammar(compileRegex(p), v).mask(startFrame());
      const diff = strings.filter((_, t) => hasBit(ours, t) !== hasBit(theirs, t));
      expect(diff).toEqual([]);
    });
  }
});
