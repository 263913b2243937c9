import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.ts";
import {
  NOT_IMPLEMENTED_IMPORT,
  hintComment,
  parseRegions,
  regionBodies,
  stubSource,
} from "../src/exercise/regions.ts";

const SOURCE = [
  "export function f(x: number): number {",
  "  // #region exercise double",
  "  const y = x * 2;",
  "  return y;",
  "  // #endregion",
  "}",
  "export function g(): string {",
  "    // #region exercise greet",
  "    const s = 'hi';",
  "    // #endregion",
  "    // #region exercise greet",
  "    return s;",
  "    // #endregion",
  "}",
].join("\n");

// Hints live in the manifest only; the stub writes them in.
const LAB = {
  id: "lab",
  manifest: {
    exercises: [
      { id: "double", hints: ["twice x", "x + x works too"] },
      { id: "greet", hints: ["a short greeting"] },
    ],
  },
};

describe("regions", () => {
  it("finds each region with its lines and indentation", () => {
    const r = parseRegions(SOURCE, "f.ts");
    expect(r.map((x) => [x.id, x.start, x.end, x.indent.length])).toEqual([
      ["double", 1, 4, 2],
      ["greet", 7, 9, 4],
      ["greet", 10, 12, 4],
    ]);
  });

  it("stubs every region: markers stay, the manifest's hints go in, the code goes, the import is added", () => {
    const out = stubSource(SOURCE, "f.ts", LAB);
    expect(out.split("\n")[0]).toBe(NOT_IMPLEMENTED_IMPORT);
    expect(out).toContain(
      [
        "  // #region exercise double",
        "  // hint: twice x",
        "  // hint: x + x works too",
        '  throw new NotImplemented("lab/double");',
        "  // #endregion",
      ].join("\n"),
    );
    // The exercise's first region carries its hints; the second points back at them.
    expect(out).toContain(
      [
        "    // #region exercise greet",
        "    // hint: a short greeting",
        '    throw new NotImplemented("lab/greet");',
        "    // #endregion",
        "    // #region exercise greet",
        '    // hint: see the hints above, at the first region of "greet"',
        '    throw new NotImplemented("lab/greet");',
      ].join("\n"),
    );
    expect(out).not.toContain("x * 2");
    expect(out).not.toContain("'hi'");
  });

  it("stubs one region alone when asked", () => {
    const out = stubSource(SOURCE, "f.ts", LAB, (r) => r.id === "greet");
    expect(out).toContain("x * 2");
    expect(out).not.toContain("twice x");
    expect(out).not.toContain("'hi'");
  });

  it("refuses a region the manifest does not know", () => {
    expect(() => stubSource(SOURCE, "f.ts", { id: "lab", manifest: { exercises: [] } })).toThrow(
      /f\.ts:2: region "double" is not an exercise of lab "lab"/,
    );
  });

  it("wraps a long hint at the course's line width, under the hint's text", () => {
    const long = "word ".repeat(40).trim();
    const lines = hintComment("    ", long);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(110);
    expect(lines[0].startsWith("    // hint: word")).toBe(true);
    expect(lines[1].startsWith("    //       word")).toBe(true);
    expect(
      lines
        .join(" ")
        .replace(/\/\/( hint:)?/g, "")
        .split(/\s+/)
        .filter(Boolean),
    ).toHaveLength(40);
  });

  it("gives the reference bodies", () => {
    expect(regionBodies(SOURCE, "f.ts")[0]).toEqual({
      id: "double",
      body: "  const y = x * 2;\n  return y;",
    });
  });

  it("rejects unclosed, nested and malformed regions with the file and line", () => {
    expect(() => parseRegions("// #region exercise a\nx", "a.ts")).toThrow(
      /a\.ts:1: region "a" has no "\/\/ #endregion"/,
    );
    expect(() => parseRegions("// #region exercise a\n// #region exercise b\n// #endregion", "a.ts")).toThrow(
      /a\.ts:2: region "b" starts inside region "a"/,
    );
    expect(() => parseRegions("// #region exercise Bad_Id", "a.ts")).toThrow(UserError);
    expect(() => parseRegions("// #region exercise Bad_Id", "a.ts")).toThrow(
      /a\.ts:1: malformed region marker/,
    );
  });
});
