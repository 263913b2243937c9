// Constrained generation with the course's GPT-2 target: every output parses and
// validates (ajv, an independent validator). The bench runs 200 seeds; here 3.

import AjvModule from "ajv";
import { checkpointDir, loadTransformersTokenizer } from "@llm-labs/model";
import { beforeAll, describe, expect, it } from "vitest";
import { generateConstrained } from "../src/constrained.ts";
import { compileRegex } from "../src/grammar.ts";
import { compileJsonSchema } from "../src/json-schema.ts";
import { type IncrementalLM, SpecimenLM } from "../src/lm.ts";
import { CompiledGrammar } from "../src/mask-cache.ts";
import { SENTENCE_REGEX, STORY_PROMPT, STORY_SCHEMA } from "../src/schemas.ts";
import { specimenVocab, type Vocab } from "../src/vocab.ts";
import { handVocab } from "./util.ts";

const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ??
  AjvModule) as unknown as new () => {
  compile: (s: unknown) => (x: unknown) => boolean;
};

describe("constrained generation with the specimen", () => {
  let v: Vocab;
  let lm: SpecimenLM;
  let prompt: number[];
  beforeAll(async () => {
    v = specimenVocab();
    lm = SpecimenLM.target();
    const tok = await loadTransformersTokenizer(checkpointDir("target"));
    prompt = tok.encode(STORY_PROMPT, { add_special_tokens: false }) as number[];
  });

  it("3 seeded samples under the story schema: all parse and validate", () => {
    const cg = new CompiledGrammar(compileJsonSchema(STORY_SCHEMA), v);
    const validate = new Ajv().compile(STORY_SCHEMA);
    let saved = 0;
    for (let seed = 0; seed < 3; seed++) {
      const r = generateConstrained(lm, v, prompt, cg, { maxNewTokens: 100, seed, jumpForward: seed > 0 });
      expect(r.finished).toBe(true);
      expect(validate(JSON.parse(r.text))).toBe(true);
      if (seed > 0) saved += r.ids.length - r.modelCalls;
    }
    expect(saved).toBeGreaterThan(0); // jump-forward wrote tokens without a model call
  });

  it("a regex: greedy decoding ends in a full match", () => {
    const g = compileRegex(SENTENCE_REGEX);
    const r = generateConstrained(lm, v, [1023], new CompiledGrammar(g, v), {
      maxNewTokens: 40,
      seed: 0,
      temperature: 0,
    });
    expect(r.finished).toBe(true);
    expect(r.text).toMatch(/^(Tom|Mia|Leo) (saw|found) (a|the) [a-z]{2,8}\.$/);
  });
});

// A model with flat logits over a hand vocabulary: the loop's own decisions, no network.
class FlatLM implements IncrementalLM {
  calls = 0;
  length = 0;
  readonly context = 64;
  constructor(readonly vocabSize: number) {}
  reset(): void {
    this.length = 0;
  }
  feed(ids: readonly number[]): Float32Array {
    this.calls++;
    this.length += ids.length;
    return new Float32Array(this.vocabSize);
  }
}

describe("constrained generation: when the mask leaves one token or none", () => {
  // ids: 0 = "a", 1 = <eos>
  const v = handVocab(["a", "<eos>"]);
  const run = (pattern: string) =>
    generateConstrained(new FlatLM(v.size), v, [0], new CompiledGrammar(compileRegex(pattern), v), {
      maxNewTokens: 5,
      seed: 0,
      temperature: 0,
    });

  it("only the stop token left: finished, without asking the model", () => {
    // /a/: the start allows "a" only, greedy takes it; then only <eos> is allowed.
    const r = run("a");
    expect(r).toMatchObject({ ids: [0], text: "a", finished: true });
    expect(r.modelCalls).toBe(1); // the call after "a" happened; the end needed none
  });

  it("no token at all: an error naming the state, never `finished`", () => {
    // /b/: no token of this vocabulary starts with b, so the very first mask is empty.
    expect(() => run("b")).toThrow(/regex \/b\/: no token is allowed at rule 0, state 0, after ""/);
    // /ab/: "a" is allowed, then nothing can write the b.
    expect(() => run("ab")).toThrow(/no token is allowed at rule 0, state \d+, after "a"/);
  });
});
