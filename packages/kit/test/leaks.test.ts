import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultCourse } from "../src/course.ts";
import { writeStubbedCopy } from "../src/exercise/workspace.ts";
import { discoverLabs, readLab } from "../src/labs.ts";
import { writeHandout } from "../src/workshop/handout.ts";
import { LONG, findLeaks } from "../src/workshop/leaks.ts";
import { FIXTURES } from "./helpers.ts";

const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "llm-labs-leaks-"));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

// The fixture lab: softmax's region, one of its long lines in another file,
// three of its short lines in a row in a third, and a file that shares only idioms.
describe("findLeaks on a lab that gives its answer away", () => {
  const lab = readLab(join(FIXTURES, "leaky", "labs", "01-leaky"), "01-leaky");
  const copy = join(tempDir(), "01-leaky");
  writeStubbedCopy(lab, copy);

  it("finds a region's line copied into a file outside the region, with the line", () => {
    const line = "const e = x.map((v) => Math.exp(v - max));";
    expect(line.length).toBeGreaterThanOrEqual(LONG);
    const at = readFileSync(join(copy, "src/log-softmax.ts"), "utf8").split("\n").indexOf(`  ${line}`) + 1;
    expect(findLeaks([lab], copy)).toContainEqual({
      lab: "leaky",
      exercise: "softmax",
      file: "src/log-softmax.ts",
      line: at,
    });
  });

  it("finds three short lines of a region in a row, though each alone is an idiom", () => {
    const at = readFileSync(join(copy, "src/norm.ts"), "utf8").split("\n").indexOf("  let sum = 0;") + 1;
    expect(findLeaks([lab], copy)).toContainEqual({
      lab: "leaky",
      exercise: "softmax",
      file: "src/norm.ts",
      line: at,
    });
  });

  it("reports nothing else: not the stub, not idioms shared with other code", () => {
    expect(findLeaks([lab], copy).map((l) => l.file)).toEqual(["src/log-softmax.ts", "src/norm.ts"]);
    rmSync(join(copy, "src/log-softmax.ts"));
    writeFileSync(
      join(copy, "src/norm.ts"),
      "export const two = (x: number[]) => {\n  let max = -Infinity;\n  return x.map((v) => v / max);\n};\n",
    );
    expect(findLeaks([lab], copy)).toEqual([]);
  });
});

// Every lab at once, as a workshop handout: what a learner receives holds no
// line of any exercise's answer. (writeHandout refuses to finish on a leak and
// names each one with its file and line.)
describe("a handout of every real lab", () => {
  it("holds no telling line of any stubbed region", () => {
    const course = defaultCourse();
    const labs = discoverLabs(course);
    const out = join(tempDir(), "handout");
    writeHandout(course, labs, { labs, added: [] }, out);
    expect(findLeaks(labs, out)).toEqual([]);
  });
});
