import { UserError } from "@llm-labs/kit";
import { Rng } from "@llm-labs/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { forcedBytes } from "../src/jump-forward.ts";
import { compileJsonSchema } from "../src/json-schema.ts";
import { STORY_SCHEMA } from "../src/schemas.ts";
import { CompiledGrammar } from "../src/mask-cache.ts";
import { feed, isComplete, startFrame } from "../src/pushdown.ts";
import { specimenVocab, type Vocab } from "../src/vocab.ts";
import { loadXGrammar, xgCompiler, xgCompileJson } from "../src/xgrammar.ts";
import { compareWithXGrammar } from "./util.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const accepts = (schema: unknown, text: string) => {
  const g = compileJsonSchema(schema);
  const f = feed(g, startFrame(), enc(text));
  return f !== null && isComplete(g, f);
};

describe("the JSON language, by hand", () => {
  it("compact JSON, properties in order, required ones present", () => {
    const s = {
      type: "object",
      properties: { a: { type: "integer" }, b: { type: "string" }, c: { type: "boolean" } },
      required: ["b"],
    };
    expect(accepts(s, '{"b":"x"}')).toBe(true);
    expect(accepts(s, '{"a":-12,"b":"x\\n\\u00e9","c":true}')).toBe(true);
    expect(accepts(s, '{"a":1,"c":true}')).toBe(false); // b is required
    expect(accepts(s, '{"b":"x","a":1}')).toBe(false); // out of order
    expect(accepts(s, '{"b": "x"}')).toBe(false); // no whitespace
    expect(accepts(s, '{"a":01,"b":""}')).toBe(false); // no leading zero
    expect(accepts(s, '{"b":"tab\there"}')).toBe(false); // raw control character
    expect(accepts(s, "{}")).toBe(false);
    expect(accepts({ type: "object", properties: { a: { type: "null" } } }, "{}")).toBe(true);
  });

  it("numbers, enums, arrays with bounds, nesting", () => {
    expect(accepts({ type: "number" }, "-0.5e+10")).toBe(true);
    expect(accepts({ type: "number" }, "1.")).toBe(false);
    expect(accepts({ enum: ["red", 3, null] }, "3")).toBe(true);
    expect(accepts({ enum: ["red", 3, null] }, '"red"')).toBe(true);
    const arr = {
      type: "array",
      items: { type: "integer", minimum: 5, maximum: 7 },
      minItems: 1,
      maxItems: 2,
    };
    expect(accepts(arr, "[5,7]")).toBe(true);
    expect(accepts(arr, "[]")).toBe(false);
    expect(accepts(arr, "[5,6,7]")).toBe(false);
    expect(accepts(arr, "[8]")).toBe(false);
    const nested = { type: "array", items: { type: "array", items: { type: "boolean" } } };
    expect(accepts(nested, "[[true],[],[false,true]]")).toBe(true);
    expect(accepts(nested, "[[true]")).toBe(false);
  });
});

describe("unsupported schema features are refused, never guessed", () => {
  const refused: [unknown, RegExp][] = [
    [
      { type: "object", patternProperties: { x: {} } },
      /JSON schema: `patternProperties` is not supported \(at \/\)/,
    ],
    [{ anyOf: [{ type: "string" }] }, /`anyOf` is not supported/],
    [
      { type: "object", properties: { a: { $ref: "#/x" } } },
      /`\$ref` is not supported \(at \/properties\/a\)/,
    ],
    [{ type: "string", maxLength: 3 }, /`maxLength` is not supported/],
    [{ type: "string", format: "email" }, /`format` is not supported/],
    [{ type: "integer", minimum: 0 }, /`minimum` without `maximum`/],
    [{ type: "object", additionalProperties: true }, /`additionalProperties` other than false/],
    [{ type: ["string", "null"] }, /`type: \["string","null"\]` is not supported/],
    [{ type: "array" }, /without `items`/],
    [{ type: "string", pattern: '[a-z"]+' }, /`pattern` that can write/],
    [{ type: "string", pattern: "(a)\\1" }, /regex: backreferences/],
    [{ type: "object", properties: {}, required: ["x"] }, /required property `x`/],
  ];
  for (const [schema, why] of refused) {
    it(JSON.stringify(schema), () => {
      expect(() => compileJsonSchema(schema)).toThrow(UserError);
      expect(() => compileJsonSchema(schema)).toThrow(why);
    });
  }
});

describe("masks equal XGrammar's compileJSONSchema(…, false, -1, [',', ':'], true) at every step", () => {
  let v: Vocab;
  let xgc: Awaited<ReturnType<typeof xgCompiler>>;
  beforeAll(async () => {
    v = specimenVocab();
    xgc = await xgCompiler(v);
  });
  const schemas: unknown[] = [
    STORY_SCHEMA,
    {
      type: "object",
      properties: {
        name: { type: "string" },
        score: { type: "number" },
        tags: { type: "array", items: { type: "string" } },
        pet: { type: "object", properties: { kind: { const: "dog" }, legs: { type: "integer" } } },
        none: { type: "null" },
      },
      required: ["score"],
    },
    { type: "array", items: { type: "array", items: { type: "integer" }, maxItems: 3 }, minItems: 2 },
    { type: "object", properties: { a: { type: "boolean" }, b: { type: "boolean" } } },
  ];
  schemas.forEach((schema, i) => {
    it(`schema ${i}: masks and jump-forward strings`, async () => {
      const xg = await loadXGrammar();
      const ours = new CompiledGrammar(compileJsonSchema(schema), v);
      const theirs = await xgCompileJson(xgc.compiler, schema);
      const rep = await compareWithXGrammar(xg, ours, theirs, new Rng(50 + i), 4, 30, (f) =>
        new TextDecoder().decode(forcedBytes(ours.grammar, f)),
      );
      expect(rep.firstMismatch).toBeUndefined();
      expect(rep.jumpMismatches).toBe(0);
      expect(rep.steps).toBeGreaterThan(15);
    });
  });
});
