import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { editDistance } from "../src/errors.ts";
import { discoverLabs, findLab } from "../src/labs.ts";
import { fixtureCourse } from "./helpers.ts";

describe("lab discovery", () => {
  const course = fixtureCourse("good", "labs");
  const labs = discoverLabs(course);

  it("finds the fixture labs in order", () => {
    expect(labs.map((l) => [l.id, l.folder, l.manifest.order])).toEqual([
      ["arith", "01-arith", 1],
      ["words", "02-words", 2],
    ]);
  });

  it("finds a lab by id, folder or number", () => {
    for (const name of ["words", "02-words", "2", "02"]) expect(findLab(labs, name).id).toBe("words");
  });

  it("names the labs and suggests the closest on a typo", () => {
    expect(() => findLab(labs, "word")).toThrow(
      'unknown lab "word"; did you mean "words"? (labs: arith, words)',
    );
    expect(() => findLab(labs, "zzzzzzzz")).toThrow('unknown lab "zzzzzzzz" (labs: arith, words)');
    expect(() => findLab([], "x")).toThrow("the course has no labs yet");
  });

  it("edit distance is Levenshtein's (kitten → sitting is 3)", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("refuses a broken manifest with the file and the field", () => {
    const dir = join(course.scratchDir, "broken-labs");
    mkdirSync(join(dir, "01-broken"), { recursive: true });
    writeFileSync(
      join(dir, "01-broken", "package.json"),
      JSON.stringify({ name: "x", lab: { id: "broken" } }),
    );
    expect(() => discoverLabs({ ...course, labsDir: dir })).toThrow(
      /01-broken\/package\.json: broken lab manifest: lab\.title/,
    );
    writeFileSync(join(dir, "01-broken", "package.json"), "{ not json");
    expect(() => discoverLabs({ ...course, labsDir: dir })).toThrow(
      /01-broken\/package\.json is not valid JSON/,
    );
  });
});
