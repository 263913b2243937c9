// Qwen3's 151,669-token vocabulary, once, with small grammars: loading it, building
// the trie and XGrammar's tokenizer info take most of this file's time (the bench
// measures the set-up). Qwen3 has what the specimen lacks: tokens such as `"}`,
// `}}` and `"]` that leave a JSON rule in their middle, the context-dependent
// tokens of mask-cache.ts. No exercise is named here: the verifier never loads
// this file, and the token-mask exercise is proved on the specimen's vocabulary.

import { Rng } from "@llm-labs/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { compileRegex } from "../src/grammar.ts";
import { compileJsonSchema } from "../src/json-schema.ts";
import { CompiledGrammar } from "../src/mask-cache.ts";
import { longestMatchTokens } from "../src/jump-forward.ts";
import { feed, type Frame, startFrame } from "../src/pushdown.ts";
import { hasBit, tokenMask } from "../src/token-mask.ts";
import { buildTrie, type Trie } from "../src/trie.ts";
import { qwen3Vocab, type Vocab } from "../src/vocab.ts";
import { loadXGrammar, xgCompiler, xgCompileJson, xgCompileRegex } from "../src/xgrammar.ts";
import { compareWithXGrammar } from "./util.ts";

let v: Vocab;
let trie: Trie;
let xgc: Awaited<ReturnType<typeof xgCompiler>>;
beforeAll(async () => {
  v = qwen3Vocab();
  trie = buildTrie(v);
  xgc = await xgCompiler(v);
});

const NESTED = {
  type: "object",
  properties: {
    k: { type: "array", items: { type: "object", properties: { x: { type: "boolean" } } }, maxItems: 3 },
    z: { enum: ["a", "b"] },
  },
  required: ["k", "z"],
};

describe("Qwen3's vocabulary: masks against XGrammar's, context-dependent tokens included", () => {
  it("inside a string, special tokens are text to XGrammar (and to us); the stop tokens are not", async () => {
    const xg = await loadXGrammar();
    const ours = new CompiledGrammar(compileJsonSchema({ type: "string" }), v, trie);
    const m = await xg.GrammarMatcher.createGrammarMatcher(
      await xgCompileJson(xgc.compiler, { type: "string" }),
    );
    const quote = v.strings.indexOf('"');
    expect(m.acceptToken(quote)).toBe(true);
    const theirs = await m.getNextTokenBitmask();
    const mine = ours.mask(feed(ours.grammar, startFrame(), new TextEncoder().encode('"')) as Frame);
    expect(mine).toEqual(theirs);
    const imStart = v.strings.indexOf("<|im_start|>");
    expect(hasBit(theirs, imStart)).toBe(true);
    for (const s of v.stop) expect(hasBit(theirs, s)).toBe(false);
  });

  it("a regex: every step's mask equals XGrammar's", async () => {
    const xg = await loadXGrammar();
    const ours = new CompiledGrammar(compileRegex("[A-Z][a-z]{1,6} (is|was) [0-9]{1,2}!"), v, trie);
    const theirs = await xgCompileRegex(xgc.compiler, "[A-Z][a-z]{1,6} (is|was) [0-9]{1,2}!");
    const rep = await compareWithXGrammar(xg, ours, theirs, new Rng(61), 2, 10);
    expect(rep.firstMismatch).toBeUndefined();
    expect(rep.steps).toBeGreaterThan(8);
  });

  it("nested JSON: equal to XGrammar's, inside the nested object too", async () => {
    const xg = await loadXGrammar();
    const ours = new CompiledGrammar(compileJsonSchema(NESTED), v, trie);
    expect(ours.uncertainTotal).toBeGreaterThan(0); // Qwen3 has tokens like "}]
    const theirs = await xgCompileJson(xgc.compiler, NESTED);
    const rep = await compareWithXGrammar(xg, ours, theirs, new Rng(62), 2, 15);
    expect(rep.firstMismatch).toBeUndefined();
    expect(rep.steps).toBeGreaterThan(12);

    // Inside the nested object, after `{"k":[{"x":true`, only `}` and what may follow
    // it are left, so tokens such as `}]`, `},` and `}}` leave the rule in their middle:
    // whether they are allowed depends on the array below. XGrammar, driven through
    // the same tokens, must agree, and so must a walk of the whole stack from scratch.
    const prefix = longestMatchTokens(trie, new TextEncoder().encode('{"k":[{"x":true'));
    const f = feed(ours.grammar, startFrame(), new TextEncoder().encode('{"k":[{"x":true')) as Frame;
    expect(f.up).not.toBeNull();
    const m = await xg.GrammarMatcher.createGrammarMatcher(theirs);
    for (const id of prefix) expect(m.acceptToken(id)).toBe(true);
    const theirMask = await m.getNextTokenBitmask();
    m.dispose();
    const mine = ours.mask(f);
    expect(mine).toEqual(theirMask);
    expect(mine).toEqual(tokenMask(ours.grammar, v, trie, f));
    // The context-dependent path decided: some of the state's uncertain tokens are
    // allowed (through the caller), and some are not.
    const uncertain = [...ours.states[f.rule][f.state].uncertain];
    const allowed = uncertain.filter((id) => hasBit(mine, id));
    expect(allowed.length).toBeGreaterThan(0);
    expect(allowed.length).toBeLessThan(uncertain.length);

    // And short walks from there: every step's mask equal, the first ones context-dependent.
    const inside = await compareWithXGrammar(xg, ours, theirs, new Rng(63), 2, 6, undefined, prefix);
    expect(inside.firstMismatch).toBeUndefined();
    expect(inside.contextDependentSteps).toBeGreaterThan(0);
  });
});
