import { Rng } from "@llm-labs/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { compileRegex } from "../src/grammar.ts";
import { forcedBytes } from "../src/jump-forward.ts";
import { CompiledGrammar } from "../src/mask-cache.ts";
import { feed, type Frame, startFrame } from "../src/pushdown.ts";
import { maskToIds, tokenMask } from "../src/token-mask.ts";
import { buildTrie } from "../src/trie.ts";
import { specimenVocab, type Vocab } from "../src/vocab.ts";
import { loadXGrammar, xgCompiler, xgCompileRegex } from "../src/xgrammar.ts";
import { compareWithXGrammar, handVocab } from "./util.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("exercise: token-mask", () => {
  // ids:      0    1    2     3     4      5    6
  const v = handVocab(["a", "b", "ab", "ba", "abc", "c", "<eos>"]);
  const trie = buildTrie(v);
  const g = compileRegex("ab*c");
  const at = (s: string) => feed(g, startFrame(), enc(s)) as Frame;

  it("allows a token iff its bytes keep the automaton alive (hand calculation)", () => {
    // From the start: "a" (then b*c may follow), "ab", "abc" (a whole match).
    // "b", "ba", "c" start wrong; <eos> needs a complete match.
    expect(maskToIds(tokenMask(g, v, trie, startFrame()), v.size)).toEqual([0, 2, 4]);
    // After "a": "b", "c"; "ab"/"abc" would need a second a; "ba" has an a after b.
    expect(maskToIds(tokenMask(g, v, trie, at("a")), v.size)).toEqual([1, 5]);
    // After "abc": only the end.
    expect(maskToIds(tokenMask(g, v, trie, at("abc")), v.size)).toEqual([6]);
  });

  it("equals the token-by-token definition on the specimen vocabulary", () => {
    // The definition, with no trie: feed each token's bytes on its own.
    const sv = specimenVocab();
    const st = buildTrie(sv);
    const r = compileRegex("[A-Z][a-z]+ (is|was) [0-9]{1,2}\\.");
    for (const prefix of ["", "T", "Tom", "Tom was", "Tom was 4"]) {
      const f = feed(r, startFrame(), enc(prefix)) as Frame;
      const slow = sv.bytes.flatMap((b, id) => (b !== null && feed(r, f, b) !== null ? [id] : []));
      expect(maskToIds(tokenMask(r, sv, st, f), sv.size)).toEqual(slow);
    }
  });

  describe("against XGrammar, specimen vocabulary", () => {
    let sv: Vocab;
    let xgc: Awaited<ReturnType<typeof xgCompiler>>;
    beforeAll(async () => {
      sv = specimenVocab();
      xgc = await xgCompiler(sv);
    });

    const patterns = [
      "[a-z]{1,8}@[a-z]+\\.(com|org)",
      "(Once upon a time|One day), [A-Z][a-z]+ (found|saw) (a|an|the) [a-z]+\\.",
      '[^"]{0,5}x\\d+',
      "\\w+( \\w+)*[.!?]",
      "a.b|c.+d",
      "[0-9]{3}-[0-9]{4}|\\([0-9]{3}\\)",
      "\\D\\W[^a-z0-9]?",
    ];
    for (const p of patterns) {
      it(`/${p}/: every step's mask equals XGrammar's, and so does the jump-forward string`, async () => {
        const ours = new CompiledGrammar(compileRegex(p), sv);
        const theirs = await xgCompileRegex(xgc.compiler, p);
        const xg = await loadXGrammar();
        const rep = await compareWithXGrammar(xg, ours, theirs, new Rng(41), 4, 25, (f) =>
          new TextDecoder().decode(forcedBytes(ours.grammar, f)),
        );
        expect(rep.firstMismatch).toBeUndefined();
        expect(rep.mismatchedSteps).toBe(0);
        expect(rep.jumpMismatches).toBe(0);
        expect(rep.steps).toBeGreaterThan(4);
      });
    }
  });
});
