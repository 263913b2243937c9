import { describe, expect, it } from "vitest";
import { testFilesNaming, verifyLab } from "../src/exercise/verify.ts";
import { discoverLabs } from "../src/labs.ts";
import { fixtureCourse } from "./helpers.ts";

describe("the exercise verifier", () => {
  it("passes a lab whose every region is caught by its own tests", async () => {
    const course = fixtureCourse("good", "verify-good");
    const v = await verifyLab(course, discoverLabs(course)[0]);
    expect(v.problems).toEqual([]);
    expect(v.solutionPassed).toBe(2);
    // "1 of 1 tests fail", not a load error: the copy compiles (its tsconfig's
    // relative "extends" is retargeted), and dot's stub, thrown in a beforeAll,
    // counts as a failure of the test it stopped.
    // add and dot are different exercises, so one copy stubs both and one
    // run proves both.
    expect(v.regions.map((r) => [r.exercise, r.caught, r.detail, r.batched])).toEqual([
      ["add", true, "1 of 1 tests fail", true],
      ["dot", true, "1 of 1 tests fail", true],
    ]);
    expect(v.ok).toBe(true);
  });

  it("fails a lab with a region no test catches, and names it", async () => {
    const course = fixtureCourse("weak", "verify-weak");
    const v = await verifyLab(course, discoverLabs(course)[0]);
    expect(v.ok).toBe(false);
    const clamp = v.regions.find((r) => r.exercise === "clamp")!;
    expect(clamp.caught).toBe(false);
    expect(clamp.where).toBe("src/weak.ts:8");
    expect(clamp.detail).toMatch(/still pass with the region stubbed/);
    expect(v.regions.find((r) => r.exercise === "square")!).toMatchObject({ caught: true, batched: true });
    // cube calls square before its own region, so with both stubbed its test
    // fails on square's stub: that proves nothing about cube, and cube is
    // proven again with its region stubbed alone.
    expect(v.regions.find((r) => r.exercise === "cube")!).toMatchObject({
      caught: true,
      detail: "1 of 1 tests fail",
    });
    expect(v.regions.find((r) => r.exercise === "cube")!.batched).toBeUndefined();
  });

  it("loads only the test files that name the exercise", () => {
    const course = fixtureCourse("good", "verify-files");
    const [arith, words] = discoverLabs(course);
    expect(testFilesNaming(arith, "dot")).toEqual(["test/arith.test.ts"]);
    expect(testFilesNaming(words, "shout")).toEqual(["test/shout.test.ts"]);
    expect(testFilesNaming(arith, "shout")).toEqual([]);
  });
});
