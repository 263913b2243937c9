import { UserError } from "@llm-labs/kit";
import { describe, expect, it } from "vitest";
import { alt, byte, call, literal, optional, seq } from "../src/ast.ts";
import { compileRegex, compileRules } from "../src/grammar.ts";
import { type Frame, feed, isComplete, liveBytes, startFrame, stepByte } from "../src/pushdown.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const depth = (f: Frame | null) => {
  let d = 0;
  for (let x = f; x !== null; x = x.up) d++;
  return d;
};

describe("exercise: automaton-step", () => {
  // Rule 0: a R1 b.   Rule 1: [ R1? ]   — brackets nest to any depth.
  const g = compileRules(
    [seq(byte(0x61), call(1), byte(0x62)), seq(byte(0x5b), optional(call(1)), byte(0x5d))],
    "nested brackets",
  );

  it("pushes on `[`, pops as soon as `]` ends a rule (hand trace)", () => {
    // a → root only; [ → call R1 (depth 2); [ → R1 calls itself (3);
    // ] ends the inner R1: popped at once (2); ] ends the outer (1); b ends the root.
    const depths: number[] = [];
    let f: Frame | null = startFrame();
    for (const b of enc("a[[]]b")) {
      f = stepByte(g, f as Frame, b);
      depths.push(depth(f));
    }
    expect(depths).toEqual([1, 2, 3, 2, 1, 1]);
    expect(isComplete(g, f as Frame)).toBe(true);
  });

  it("refuses what the grammar does not allow", () => {
    expect(feed(g, startFrame(), enc("ab"))).toBeNull(); // R1 needs at least []
    expect(feed(g, startFrame(), enc("a[]]"))).toBeNull(); // one ] too many
    expect(feed(g, startFrame(), enc("a[[]"))).not.toBeNull(); // a prefix: alive
    expect(isComplete(g, feed(g, startFrame(), enc("a[[]")) as Frame)).toBe(false);
  });

  it("knows the live bytes: after `a[` a `[` or a `]`", () => {
    expect(liveBytes(g, feed(g, startFrame(), enc("a[")) as Frame)).toEqual([0x5b, 0x5d]);
    expect(liveBytes(g, feed(g, startFrame(), enc("a[]")) as Frame)).toEqual([0x62]);
  });

  it("runs a regex DFA byte by byte (one rule, no calls)", () => {
    const r = compileRegex("ab*c|d");
    for (const [s, ok] of [
      ["ac", true],
      ["abbbc", true],
      ["d", true],
      ["abd", false],
      ["dc", false],
    ] as const) {
      const f = feed(r, startFrame(), enc(s));
      expect(f !== null && isComplete(r, f)).toBe(ok);
    }
    expect(isComplete(r, feed(r, startFrame(), enc("ab")) as Frame)).toBe(false);
  });

  it("steps through UTF-8: é is two bytes", () => {
    const r = compileRules([literal("é!")], "é");
    const f1 = stepByte(r, startFrame(), 0xc3);
    expect(f1).not.toBeNull();
    expect(stepByte(r, f1 as Frame, 0xa9)).not.toBeNull();
    expect(stepByte(r, f1 as Frame, 0x21)).toBeNull();
  });
});

describe("compileRules refuses a grammar the automaton cannot run, naming the rule", () => {
  const refused: [string, Parameters<typeof compileRules>[0], RegExp][] = [
    // R0 = a R0? b: the root calls itself, but its masks assume nothing below it.
    ["the root called", [seq(byte(0x61), optional(call(0)), byte(0x62))], /rule 0 calls rule 0, the root/],
    // R0 = R1, R1 = [ R2, R2 = x]: R1 would end the moment R2 does (a pop onto a terminal state).
    [
      "a return state that is terminal",
      [call(1), seq(byte(0x5b), call(2)), literal("x]")],
      /rule 1 ends right after its call of rule 2/,
    ],
    [
      "a nested rule that accepts nothing",
      [call(1), optional(literal("x"))],
      /rule 1 accepts the empty string/,
    ],
    [
      "a nested rule that may end or go on",
      [call(1), seq(literal("x"), optional(literal("y")))],
      /rule 1 may end or go on in state 1/,
    ],
    ["a call of a missing rule", [call(3)], /rule 0 calls rule 3, which does not exist/],
    [
      "two ways to read `[`",
      [alt(call(1), literal("[a")), literal("[b]")],
      /two ways to read byte 91 in one state/,
    ],
  ];
  for (const [name, bodies, why] of refused) {
    it(name, () => {
      expect(() => compileRules(bodies, "test grammar")).toThrow(UserError);
      expect(() => compileRules(bodies, "test grammar")).toThrow(why);
    });
  }
});
