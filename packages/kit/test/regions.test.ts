import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.ts";
import { NOT_IMPLEMENTED_IMPORT, parseRegions, regionBodies, stubSource } from "../src/exercise/regions.ts";

const SOURCE = [
  "export function f(x: number): number {",
  "  // #region exercise double",
  "  // hint: twice x",
  "  const y = x * 2;",
  "  return y;",
  "  // #endregion",
  "}",
  "export function g(): string {",
  "    // #region exercise greet",
  "    return 'hi';",
  "    // #endregion",
  "}",
].join("\n");

describe("regions", () => {
  it("finds each region with its lines, indentation and hints", () => {
    const r = parseRegions(SOURCE, "f.ts");
    expect(r.map((x) => [x.id, x.start, x.end, x.indent.length])).toEqual([
      ["double", 1, 5, 2],
      ["greet", 8, 10, 4],
    ]);
    expect(r[0].hints).toEqual(["twice x"]);
  });

  it("stubs every region: markers and hints stay, the code goes, the import is added", () => {
    const out = stubSource(SOURCE, "f.ts", "lab");
    expect(out.split("\n")[0]).toBe(NOT_IMPLEMENTED_IMPORT);
    expect(out).toContain(
      '  // #region exercise double\n  // hint: twice x\n  throw new NotImplemented("lab/double");\n  // #endregion',
    );
    expect(out).toContain('    throw new NotImplemented("lab/greet");');
    expect(out).not.toContain("x * 2");
    expect(out).not.toContain("'hi'");
  });

  it("stubs one region alone when asked", () => {
    const out = stubSource(SOURCE, "f.ts", "lab", (r) => r.id === "greet");
    expect(out).toContain("x * 2");
    expect(out).not.toContain("'hi'");
  });

  it("gives the reference bodies without hints", () => {
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
