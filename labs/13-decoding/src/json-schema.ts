// A JSON-schema subset compiled to a grammar: one rule per object and per array.
//
// The language is exactly the one XGrammar generates for
// compileJSONSchema(schema, anyWhitespace = false, indent = −1, separators = [",", ":"],
// strictMode = true): compact JSON on one line, no whitespace anywhere, properties
// in the schema's order, none but the schema's. test/json-schema.test.ts checks
// the masks against XGrammar's, step by step.
//
//   string    " ( [^\0-\x1f"\\] | \ ["\\/bfnrt] | \u hex hex hex hex )* "
//             or, with `pattern`, " pattern " (the pattern full-matched, as XGrammar does)
//   integer   0 | -?[1-9][0-9]*     or, with both minimum and maximum, every value listed
//   number    -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
//   boolean, null, enum, const       the JSON text of each allowed value
//   array     [] | [ item (, item){min−1, max−1} ]          (minItems, maxItems)
//   object    { p_f (, p_j)… }  over properties in order, every required one present;
//             {} too when nothing is required
//
// Anything else is refused, with the keyword and where it stands.

import { UserError } from "@llm-labs/kit";
import { z } from "zod";
import { alt, byte, call, literal, type Node, optional, repeat, seq, set, star } from "./ast.ts";
import { charClass } from "./char-class.ts";
import { compileRules, type Grammar } from "./grammar.ts";
import { parseRegex } from "./regex.ts";
import { determinize } from "./dfa.ts";
import { Nfa } from "./nfa.ts";

export const MAX_INTEGER_RANGE = 1000; // minimum … maximum is listed value by value

const DIGIT = set([0x30, 0x39]);
const DIGITS = repeat(DIGIT, 1, Infinity);
const HEX = set([0x30, 0x39], [0x41, 0x46], [0x61, 0x66]);
const q = (c: string) => byte(c.charCodeAt(0));
const STRING_CHAR = alt(
  charClass(
    [
      [0x00, 0x1f],
      [0x22, 0x22],
      [0x5c, 0x5c],
    ],
    true,
  ),
  seq(
    q("\\"),
    alt(
      set(...[...'"\\/bfnrt'].map((c) => [c.charCodeAt(0), c.charCodeAt(0)] as const)),
      seq(q("u"), HEX, HEX, HEX, HEX),
    ),
  ),
);
const STRING = seq(q('"'), star(STRING_CHAR), q('"'));
const INTEGER = alt(literal("0"), seq(optional(q("-")), set([0x31, 0x39]), star(DIGIT)));
const NUMBER = seq(
  optional(q("-")),
  alt(literal("0"), seq(set([0x31, 0x39]), star(DIGIT))),
  optional(seq(q("."), DIGITS)),
  optional(seq(set([0x45, 0x45], [0x65, 0x65]), optional(set([0x2b, 0x2b], [0x2d, 0x2d])), DIGITS)),
);

const ANNOTATIONS = new Set(["title", "description", "$schema", "$id", "$comment", "examples", "default"]);
const KEYWORDS: Record<string, string[]> = {
  object: ["type", "properties", "required", "additionalProperties"],
  array: ["type", "items", "minItems", "maxItems"],
  string: ["type", "pattern"],
  integer: ["type", "minimum", "maximum"],
  number: ["type"],
  boolean: ["type"],
  null: ["type"],
};
const Scalar = z.union([z.string(), z.number().int(), z.boolean(), z.null()]);
const Count = z.number().int().nonnegative();

export function compileJsonSchema(schema: unknown): Grammar {
  const bodies: Node[] = [];
  const fail = (what: string, path: string): never => {
    throw new UserError(`JSON schema: ${what} (at ${path || "/"})`);
  };
  const check = <T>(zs: z.ZodType<T>, value: unknown, what: string, path: string): T => {
    const r = zs.safeParse(value);
    return r.success ? r.data : fail(what, path);
  };

  // A new rule for an object or an array; the call to it stands where the value goes.
  const rule = (build: () => Node): Node => {
    const id = bodies.length;
    bodies.push(seq());
    bodies[id] = build();
    return call(id);
  };

  const value = (s: unknown, path: string): Node => {
    if (typeof s !== "object" || s === null || Array.isArray(s))
      return fail("a schema must be an object", path);
    const o = s as Record<string, unknown>;
    for (const k of ["enum", "const"] as const) {
      if (!(k in o)) continue;
      const extra = Object.keys(o).filter((x) => x !== k && x !== "type" && !ANNOTATIONS.has(x));
      if (extra.length > 0) fail(`\`${extra[0]}\` beside \`${k}\` is not supported`, path);
      const values =
        k === "enum"
          ? check(
              z.array(Scalar).min(1),
              o.enum,
              "`enum` must list strings, integers, booleans or null",
              path,
            )
          : [check(Scalar, o.const, "`const` must be a string, an integer, a boolean or null", path)];
      return alt(...values.map((v) => literal(JSON.stringify(v))));
    }
    if (!("type" in o)) {
      const known = Object.keys(o).find((x) => !ANNOTATIONS.has(x));
      return fail(known ? `\`${known}\` is not supported` : "a schema without `type` is not supported", path);
    }
    if (typeof o.type !== "string" || !(o.type in KEYWORDS))
      return fail(`\`type: ${JSON.stringify(o.type)}\` is not supported`, path);
    const type = o.type;
    for (const k of Object.keys(o))
      if (!KEYWORDS[type].includes(k) && !ANNOTATIONS.has(k)) fail(`\`${k}\` is not supported`, path);
    switch (type) {
      case "string":
        return o.pattern === undefined ? STRING : seq(q('"'), stringPattern(o.pattern, path), q('"'));
      case "integer":
        return integer(o, path);
      case "number":
        return NUMBER;
      case "boolean":
        return alt(literal("true"), literal("false"));
      case "null":
        return literal("null");
      case "array":
        return array(o, path);
      default:
        return object(o, path);
    }
  };

  // A pattern goes between the quotes as it is, so it must not be able to write
  // a quote, a backslash or a control character: that would not be JSON.
  const stringPattern = (p: unknown, path: string): Node => {
    const pattern = check(z.string(), p, "`pattern` must be a string", path);
    const node = parseRegex(pattern);
    const nfa = new Nfa();
    const [a, b] = [nfa.state(), nfa.state()];
    nfa.build(node, a, b);
    const dfa = determinize(nfa, a, b);
    for (let i = 0; i < dfa.next.length; i++) {
      const byteRead = i & 255;
      if (dfa.next[i] >= 0 && (byteRead < 0x20 || byteRead === 0x22 || byteRead === 0x5c))
        fail('a `pattern` that can write `"`, `\\` or a control character is not supported', path);
    }
    return node;
  };

  const integer = (o: Record<string, unknown>, path: string): Node => {
    if (o.minimum === undefined && o.maximum === undefined) return INTEGER;
    if (o.minimum === undefined || o.maximum === undefined)
      return fail("`minimum` without `maximum` (or the reverse) is not supported", path);
    const lo = check(z.number().int(), o.minimum, "`minimum` must be an integer", path);
    const hi = check(z.number().int(), o.maximum, "`maximum` must be an integer", path);
    if (hi < lo) fail("`maximum` is below `minimum`", path);
    if (hi - lo + 1 > MAX_INTEGER_RANGE)
      fail(`an integer range of more than ${MAX_INTEGER_RANGE} values is not supported`, path);
    return alt(...Array.from({ length: hi - lo + 1 }, (_, i) => literal(String(lo + i))));
  };

  const array = (o: Record<string, unknown>, path: string): Node => {
    if (o.items === undefined) return fail("an array without `items` is not supported", path);
    const min = o.minItems === undefined ? 0 : check(Count, o.minItems, "`minItems` must be a count", path);
    const max =
      o.maxItems === undefined ? Infinity : check(Count, o.maxItems, "`maxItems` must be a count", path);
    if (max < min) fail("`maxItems` is below `minItems`", path);
    return rule(() => {
      const item = value(o.items, `${path}/items`);
      const some = seq(q("["), item, repeat(seq(q(","), item), Math.max(0, min - 1), max - 1), q("]"));
      if (max === 0) return literal("[]");
      return min === 0 ? alt(some, literal("[]")) : some;
    });
  };

  const object = (o: Record<string, unknown>, path: string): Node => {
    if (o.additionalProperties !== undefined && o.additionalProperties !== false)
      fail("`additionalProperties` other than false is not supported", path);
    const props = check(
      z.record(z.string(), z.unknown()).default({}),
      o.properties,
      "`properties` must be an object",
      path,
    );
    const required = new Set(
      check(z.array(z.string()).default([]), o.required, "`required` must list names", path),
    );
    const names = Object.keys(props);
    for (const r of required)
      if (!names.includes(r)) fail(`required property \`${r}\` is not in \`properties\``, path);
    return rule(() => {
      const item = names.map((k) =>
        seq(literal(`${JSON.stringify(k)}:`), value(props[k], `${path}/properties/${k}`)),
      );
      // X_i: ", p_i", optional unless p_i is required. The body starts with some p_f
      // (no required property before it) and goes on with X_{f+1} … X_n.
      const rest = (i: number) =>
        names
          .slice(i)
          .map((k, j) => (required.has(k) ? seq(q(","), item[i + j]) : optional(seq(q(","), item[i + j]))));
      const firstRequired = names.findIndex((k) => required.has(k));
      const last = firstRequired < 0 ? names.length - 1 : firstRequired;
      const bodiesByFirst = names.slice(0, last + 1).map((_, f) => seq(item[f], ...rest(f + 1)));
      const some = seq(q("{"), alt(...bodiesByFirst), q("}"));
      if (names.length === 0) return literal("{}");
      return required.size === 0 ? alt(some, literal("{}")) : some;
    });
  };

  const root = value(schema, "");
  if (root.kind === "call" && root.rule === 0) return compileRules(bodies, "JSON schema");
  // A scalar root: rule 0 is the value itself, and the object and array rules keep their numbers.
  bodies.unshift(root);
  return compileRules(
    bodies.map((b) => renumber(b, 1)),
    "JSON schema",
  );
}

// The same tree with every call k → k + by (rule 0 was inserted in front).
function renumber(n: Node, by: number): Node {
  switch (n.kind) {
    case "call":
      return call(n.rule + by);
    case "set":
      return n;
    case "repeat":
      return repeat(renumber(n.item, by), n.min, n.max);
    default:
      return { kind: n.kind, items: n.items.map((i) => renumber(i, by)) };
  }
}
