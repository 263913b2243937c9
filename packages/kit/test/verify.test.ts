import { describe, expect, it } from "vitest";
import { testFilesNaming, verifyLab, verifyLabs } from "../src/exercise/verify.ts";
import { discoverLabs } from "../src/labs.ts";
import { fixtureCourse } from "./helpers.ts";

describe("the exercise verifier", () => {
  it("passes labs whose every region is caught by its own tests, all in one vitest run", async () => {
    const course = fixtureCourse("good", "verify-good");
    const [arith, words] = discoverLabs(course);
    // The cache's local behaviour is under test, so this runs as a local run
    // would even when the suite itself runs on CI (CI=true).
    const ci = process.env.CI;
    delete process.env.CI;
    try {
      // The solution and every stubbed variant of both labs load side by side
      // in one process; the solution still sees its own, unstubbed modules.
      const [a, w] = await verifyLabs(course, [arith, words], { cache: true });
      expect(a.problems).toEqual([]);
      expect(a.solutionPassed).toBe(2);
      // "1 of 1 tests fail", not a load error; dot's stub, thrown in a
      // beforeAll, counts as a failure of the test it stopped.
      expect(a.regions.map((r) => [r.exercise, r.where, r.caught, r.detail])).toEqual([
        ["add", "src/arith.ts:2", true, "1 of 1 tests fail"],
        ["dot", "src/dot.ts:5", true, "1 of 1 tests fail"],
      ]);
      expect([a.ok, a.cached, w.ok, w.solutionPassed]).toEqual([true, false, true, 1]);

      // Nothing changed: a second local run takes the regions from the cache
      // (and runs only the solution) ...
      const again = await verifyLab(course, arith, { cache: true, solution: false });
      expect([again.cached, again.ok, again.regions]).toEqual([true, true, a.regions]);
      // ... but CI verifies every region every time.
      process.env.CI = "true";
      expect((await verifyLab(course, arith, { cache: true, solution: false })).cached).toBe(false);
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });

  it("fails a lab with a region no test catches, and names it", async () => {
    const course = fixtureCourse("weak", "verify-weak");
    const v = await verifyLab(course, discoverLabs(course)[0]);
    expect(v.ok).toBe(false);
    const clamp = v.regions.find((r) => r.exercise === "clamp");
    expect(clamp).toMatchObject({ caught: false, where: "src/weak.ts:8" });
    expect(clamp?.detail).toMatch(/still pass with the region stubbed/);
    // Each region is stubbed alone: cube calls square, but square is not
    // stubbed in cube's variant, so cube's test meets cube's own stub.
    expect(v.regions.find((r) => r.exercise === "cube")).toMatchObject({
      caught: true,
      detail: "1 of 1 tests fail",
    });
  });

  it("stops a run that passes its limit, and every region it did not settle fails", async () => {
    const course = fixtureCourse("good", "verify-limit");
    const v = await verifyLab(course, discoverLabs(course)[0], { limitMs: 1 });
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toMatch(/passed its limit of 0.001 s and was stopped/);
    expect(v.regions.every((r) => !r.caught)).toBe(true);
  });

  it("loads only the test files that name the exercise", () => {
    const course = fixtureCourse("good", "verify-files");
    const [arith, words] = discoverLabs(course);
    expect(testFilesNaming(arith, "dot")).toEqual(["test/arith.test.ts"]);
    expect(testFilesNaming(words, "shout")).toEqual(["test/shout.test.ts"]);
    expect(testFilesNaming(arith, "shout")).toEqual([]);
  });
});
