import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { exerciseResults, runLabTests } from "../src/exercise/run-tests.ts";
import {
  labRegions,
  resetLab,
  startLab,
  workspacePath,
  writtenExercises,
} from "../src/exercise/workspace.ts";
import { discoverLabs } from "../src/labs.ts";
import { fixtureCourse } from "./helpers.ts";

describe("the learner's workspace", () => {
  const course = fixtureCourse("good", "workspace");
  const [arith] = discoverLabs(course);
  const ws = workspacePath(course, arith);

  it("start writes a stubbed copy without tests", () => {
    expect(startLab(course, arith).written).toBe(true);
    expect(readFileSync(join(ws, "src/arith.ts"), "utf8")).toContain('throw new NotImplemented("arith/add")');
    expect(existsSync(join(ws, "test"))).toBe(false);
  });

  it("the copy's tsconfig still reaches the repository's base config", () => {
    const config = JSON.parse(readFileSync(join(ws, "tsconfig.json"), "utf8"));
    expect(resolve(ws, config.extends)).toBe(join(course.root, "tsconfig.base.json"));
  });

  it("start twice leaves the learner's edits alone", () => {
    const mine = readFileSync(join(ws, "src/arith.ts"), "utf8").replace(
      'throw new NotImplemented("arith/add");',
      "return a + b; // mine",
    );
    writeFileSync(join(ws, "src/arith.ts"), mine);
    expect(startLab(course, arith).written).toBe(false);
    expect(readFileSync(join(ws, "src/arith.ts"), "utf8")).toBe(mine);
  });

  it("knows which regions the learner has written in (the stub's throw replaced)", () => {
    expect(writtenExercises(course, arith)).toEqual(["add"]); // edited just above
  });

  it("the lab's tests run against the learner's copy, exercise by exercise", async () => {
    const results = exerciseResults(arith, await runLabTests(course, arith, { srcDir: join(ws, "src") }));
    expect(results.map((r) => [r.id, r.state])).toEqual([
      ["add", "pass"], // written above
      ["dot", "todo"], // still the stub
    ]);
    // A wrong answer is "fail", not "todo".
    writeFileSync(
      join(ws, "src/dot.ts"),
      readFileSync(join(ws, "src/dot.ts"), "utf8").replace(
        'throw new NotImplemented("arith/dot");',
        "s = 42;",
      ),
    );
    const again = exerciseResults(arith, await runLabTests(course, arith, { srcDir: join(ws, "src") }));
    expect(again.find((r) => r.id === "dot")).toMatchObject({ state: "fail" });
    expect(again.find((r) => r.id === "dot")!.firstFailure).toMatch(/expected 42 to be 11/);
  });

  it("reset backs the old copy up, edits included, before writing a fresh one", () => {
    const before = readFileSync(join(ws, "src/arith.ts"), "utf8");
    const r = resetLab(course, arith, new Date("2026-01-02T03:04:05.678Z"));
    expect(r.backup).toBe(join(course.workspaceDir, ".backups", "01-arith-2026-01-02T03-04-05-678Z"));
    expect(readFileSync(join(r.backup!, "src/arith.ts"), "utf8")).toBe(before);
    expect(readFileSync(join(ws, "src/arith.ts"), "utf8")).toContain('throw new NotImplemented("arith/add")');
    // A second reset in the same instant must not overwrite the first backup.
    expect(() => resetLab(course, arith, new Date("2026-01-02T03:04:05.678Z"))).toThrow(/already exists/);
    expect(readdirSync(join(course.workspaceDir, ".backups"))).toHaveLength(1);
  });

  it("checks regions against the manifest both ways", () => {
    expect(labRegions(arith).map((r) => `${r.id}@${r.file}:${r.start + 1}`)).toEqual([
      "add@src/arith.ts:2",
      "dot@src/dot.ts:5",
    ]);
    const noRegion = {
      ...arith,
      manifest: {
        ...arith.manifest,
        exercises: [
          ...arith.manifest.exercises,
          { id: "sub", title: "Subtract", file: "src/arith.ts", hints: ["a - b"] },
        ],
      },
    };
    expect(() => labRegions(noRegion)).toThrow(
      /exercise "sub" has no "\/\/ #region exercise sub" in src\/arith\.ts/,
    );
    const wrongFile = {
      ...arith,
      manifest: {
        ...arith.manifest,
        exercises: [{ ...arith.manifest.exercises[0], file: "src/dot.ts" }, arith.manifest.exercises[1]],
      },
    };
    expect(() => labRegions(wrongFile)).toThrow(
      /region "add" is in src\/arith\.ts but the manifest says src\/dot\.ts/,
    );
  });
});
