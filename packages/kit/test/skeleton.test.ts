import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultCourse } from "../src/course.ts";
import { discoverLabs, readLab } from "../src/labs.ts";
import { checkSkeleton } from "../src/skeleton.ts";
import { FIXTURES } from "./helpers.ts";

// docs/authoring-a-lab.md writes the skeleton out; this holds every lab to it.
describe("the lab skeleton", () => {
  for (const lab of discoverLabs(defaultCourse()))
    it(`labs/${lab.folder} fits it`, () => expect(checkSkeleton(lab)).toEqual([]));
});

// A fixture lab that breaks each rule once: every problem is named, with its file and line.
describe("checkSkeleton on a lab that fits nothing", () => {
  const problems = checkSkeleton(
    readLab(join(FIXTURES, "skeleton-bad", "labs", "01-shapeless"), "01-shapeless"),
  );
  const at = "labs/01-shapeless";
  const has = (line: string) => expect(problems).toContainEqual(line);

  it("names the missing files", () => {
    has(`${at}/vitest.config.ts: missing (every lab has it)`);
    has(`${at}/src/demo.ts: missing (every lab has it)`);
  });

  it("holds the README to its title, its sections in order and steps counted from 1", () => {
    has(
      `${at}/README.md: the title should be "# Lab 01 · A lab that breaks every rule of the skeleton" (the manifest's title)`,
    );
    has(
      `${at}/README.md:5: step "## 0. A first step numbered from zero" should be number 1 (steps count 1, 2, 3, …)`,
    );
    has(
      `${at}/README.md:17: step "## 3. A step that skips a number" should be number 2 (steps count 1, 2, 3, …)`,
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^labs\/01-shapeless\/README\.md:9: "## Readings" comes after "## 0\. A first step/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^labs\/01-shapeless\/README\.md:21: "## What is checked" is not a section of the skeleton/,
      ),
    );
    for (const name of ["Why it matters", "Run it", "What to expect", "What is not covered yet"])
      expect(problems).toContainEqual(
        expect.stringMatching(new RegExp(`^${at}/README\\.md: no "## ${name}" section`)),
      );
    // A "## " line inside a code block is not a heading.
    expect(problems.join("\n")).not.toContain("Not a heading");
  });

  it("holds INSTRUCTOR.md to its title and its sections in order", () => {
    has(`${at}/INSTRUCTOR.md: the title should be "# Lab 01 · notes for instructors"`);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^labs\/01-shapeless\/INSTRUCTOR\.md:9: "## The one figure to draw on the board" comes after "## Common mistakes"/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^labs\/01-shapeless\/INSTRUCTOR\.md:13: "## Not yet in this lab" is not a section of the skeleton/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^labs\/01-shapeless\/INSTRUCTOR\.md: no "## Timing and order" section/),
    );
  });

  it("wants each exercise tested in the file named after its source file", () => {
    has(`${at}/test/double.test.ts: missing; it tests exercise "double" of src/double.ts`);
    has(`${at}/test/halve.test.ts: no describe("exercise: halve") for exercise "halve" of src/halve.ts`);
  });

  it("finds hints and JSDoc blocks in the source", () => {
    has(`${at}/src/double.ts:1: a "/**" block; write line comments ("// …")`);
    has(`${at}/src/double.ts:6: a "// hint:" line; hints live in the manifest (lab.exercises[].hints)`);
  });

  it("reports nothing else", () => expect(problems).toHaveLength(19));
});
