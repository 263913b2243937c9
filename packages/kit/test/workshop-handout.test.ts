import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Course, REPO_ROOT, defaultCourse } from "../src/course.ts";
import { UserError } from "../src/errors.ts";
import { regionBodies } from "../src/exercise/regions.ts";
import { labRegions } from "../src/exercise/workspace.ts";
import { type Lab, discoverLabs, readLab } from "../src/labs.ts";
import { writeHandout } from "../src/workshop/handout.ts";
import { findLeaks } from "../src/workshop/leaks.ts";
import { ProgressReport } from "../src/workshop/summary.ts";
import { linkNodeModules, solveInHandout } from "./handout-helpers.ts";
import { fixtureCourse, mainInProcess } from "./helpers.ts";

const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "llm-labs-handout-"));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === "node_modules") return [];
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

// The test's own statement of the promise, independent of findLeaks: the
// code between the markers of every stubbed region (hints aside), compared
// line by line with surrounding whitespace ignored, is in no file.
function expectNoSolution(labs: Lab[], dir: string): number {
  const squash = (s: string) =>
    s
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .join("\n");
  const files = allFiles(dir)
    .filter((f) => !/\.(safetensors|onnx)$/.test(f))
    .map((f) => ({ f, text: `\n${squash(readFileSync(f, "utf8"))}\n` }));
  let bodies = 0;
  for (const lab of labs) {
    for (const file of new Set(labRegions(lab).map((r) => r.file))) {
      for (const b of regionBodies(readFileSync(join(lab.dir, file), "utf8"), file)) {
        const body = squash(b.body);
        expect(body.length, `${lab.id}/${b.id} has a body`).toBeGreaterThan(0);
        bodies++;
        for (const { f, text } of files)
          expect(text.includes(`\n${body}\n`), `${lab.id}/${b.id} is in ${relative(dir, f)}`).toBe(false);
      }
    }
  }
  return bodies;
}

describe("workshop handout of the fixture labs, end to end", () => {
  const course = fixtureCourse("good", "handout");
  temps.push(dirname(course.scratchDir));
  const labs = discoverLabs(course);
  const out = join(tempDir(), "handout");
  const inHandout = () => defaultCourse(out);

  it("writes the starters, tests, the how-to sheet and the root files; no teacher notes", async () => {
    const r = await mainInProcess(course, ["workshop", "handout", "--labs", "words", "--out", out]);
    expect(r.err).toBeUndefined();
    expect(r.out).toContain("2 labs, 3 exercise regions stubbed (hints kept)");
    expect(r.out).toContain("added arith: a prerequisite of words");
    const arith = readFileSync(join(out, "labs/01-arith/src/arith.ts"), "utf8");
    expect(arith).toContain("// hint: a + b\n  // hint: numbers, not strings\n");
    expect(arith).toContain('throw new NotImplemented("arith/add");');
    expect(existsSync(join(out, "labs/01-arith/test/arith.test.ts"))).toBe(true);
    expect(existsSync(join(course.labsDir, "01-arith/INSTRUCTOR.md"))).toBe(true);
    expect(existsSync(join(out, "labs/01-arith/INSTRUCTOR.md"))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, "handout.json"), "utf8"))).toEqual({
      handout: 1,
      labs: ["arith", "words"],
      dependencies: [],
    });
    expect(readFileSync(join(out, "HOW-TO-CHECK.md"), "utf8")).toContain(
      "| Words (a fixture lab) | labs/02-words/README.md | labs/02-words/src/ | `npm run exercise -- check words` |",
    );
    for (const f of [
      "package.json",
      "package-lock.json",
      ".npmrc",
      "tsconfig.base.json",
      "scripts/doctor.mjs",
      "packages/kit/vitest.exercise.config.ts",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(join(out, "package.json"), "utf8")).scripts).sort()).toEqual([
      "doctor",
      "exercise",
      "lab",
      "start",
      "test",
      "typecheck",
      "workshop",
    ]);
    // The fixture's tsconfig reached the course's base config; the copy reaches the handout's.
    expect(JSON.parse(readFileSync(join(out, "labs/01-arith/tsconfig.json"), "utf8")).extends).toBe(
      "../../tsconfig.base.json",
    );
  });

  it("holds no reference body of any stubbed region", () => {
    expect(expectNoSolution(labs, out)).toBe(3);
    expect(findLeaks(labs, out)).toEqual([]);
  });

  it("fails its checks until the exercises are written, then passes", async () => {
    linkNodeModules(REPO_ROOT, out, {
      "@llm-labs/kit": "packages/kit",
      "@llm-labs/errors": "packages/errors",
    });
    // As a learner runs it: a process started inside the handout, nothing pointing back at the course.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LLM_LABS_")));
    const first = spawnSync(
      process.execPath,
      [
        join(out, "node_modules/tsx/dist/cli.mjs"),
        join(out, "packages/kit/src/cli/main.ts"),
        "exercise",
        "check",
        "arith",
      ],
      {
        cwd: out,
        encoding: "utf8",
        env: { ...env, NO_COLOR: "1" },
      },
    );
    expect(first.stderr).toBe("");
    expect(first.status).toBe(1);
    expect(first.stdout).toMatch(/· add .* 0\/1 tests\s+not written yet/);
    expect(first.stdout).toContain("0/2 exercises passing");
    expect(first.stdout).toContain("Next: Add two numbers, in labs/01-arith/src/arith.ts");
    // The starter builds: the stubs typecheck against the handout's own kit.
    const tsc = spawnSync(
      process.execPath,
      [join(out, "node_modules/typescript/bin/tsc"), "-p", join(out, "labs/01-arith/tsconfig.json")],
      { cwd: out, encoding: "utf8" },
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);

    const unsolvedWords = await mainInProcess(inHandout(), ["exercise", "check", "words"]);
    expect(unsolvedWords.out).toContain("0/1 exercises passing");
    expect(unsolvedWords.code).toBe(1);

    const [arith, wordsLab] = labs;
    expect(solveInHandout(arith, join(out, "labs/01-arith"))).toBe(2);
    expect(solveInHandout(wordsLab, join(out, "labs/02-words"))).toBe(1);
    // One after the other: both record into the same progress file.
    const solvedArith = await mainInProcess(inHandout(), ["exercise", "check", "arith"]);
    expect(solvedArith.out).toContain("2/2 exercises passing");
    expect(solvedArith.code).toBe(0);
    const solvedWords = await mainInProcess(inHandout(), ["exercise", "check", "words"]);
    expect(solvedWords.out).toContain("1/1 exercises passing");
    expect(solvedWords.code).toBe(0);

    // What the learner hands in at the end is a progress file the summary reads.
    const status = ProgressReport.parse(
      JSON.parse((await mainInProcess(inHandout(), ["exercise", "status", "--json", "--name", "ada"])).out),
    );
    expect(status.labs.map((l) => [l.id, l.exercises.map((e) => e.state).join(",")])).toEqual([
      ["arith", "pass,pass"],
      ["words", "pass"],
    ]);
  });

  it("start points at the files in place; reset backs the learner's code up first", async () => {
    const start = await mainInProcess(inHandout(), ["exercise", "start", "arith"]);
    expect(start.out).toContain("In this handout you write arith's 2 exercises where they are:");
    const shout = join(out, "labs/02-words/src/shout.ts");
    const mine = readFileSync(shout, "utf8");
    const reset = await mainInProcess(inHandout(), ["exercise", "reset", "words"]);
    const backup = /Backed up your work to (\S+)\/src\//.exec(reset.out)![1];
    expect(readFileSync(join(process.cwd(), backup, "src/shout.ts"), "utf8")).toBe(mine);
    expect(readFileSync(shout, "utf8")).toContain('throw new NotImplemented("words/shout");');
  });

  it("is never written over without --force, and --force keeps the old folder", async () => {
    const solved = readFileSync(join(out, "labs/01-arith/src/arith.ts"), "utf8");
    const again = await mainInProcess(course, ["workshop", "handout", "--labs", "words", "--out", out]);
    expect(again.err).toBeInstanceOf(UserError);
    expect((again.err as Error).message).toMatch(
      /handout already exists and is not empty; choose another folder, or add --force/,
    );
    expect(readFileSync(join(out, "labs/01-arith/src/arith.ts"), "utf8")).toBe(solved);
    const forced = await mainInProcess(course, [
      "workshop",
      "handout",
      "--labs",
      "words",
      "--out",
      out,
      "--force",
    ]);
    const backup = /Moved the old .* aside to (\S+)\/ \(nothing was deleted\)/.exec(forced.out)![1];
    expect(readFileSync(join(process.cwd(), backup, "labs/01-arith/src/arith.ts"), "utf8")).toBe(solved);
    expect(readFileSync(join(out, "labs/01-arith/src/arith.ts"), "utf8")).toContain("NotImplemented");
  });

  it("findLeaks notices a solution copied in", () => {
    cpSync(join(course.labsDir, "01-arith/src/dot.ts"), join(out, "labs/01-arith/notes.ts"));
    expect(findLeaks(labs, out)).toEqual([
      { lab: "arith", exercise: "dot", file: "labs/01-arith/notes.ts", line: 6 },
    ]);
  });
});

// Two real labs: tokenizers (no models) and attention-kv-cache (the specimen
// and ONNX Runtime). Read directly, so a lab being written next door cannot
// break this test. Only the files are checked here; running the real labs'
// tests in a handout takes minutes (docs/teaching-a-workshop.md shows a run).
describe("workshop handout of real labs", () => {
  const course = defaultCourse();
  const labs = ["01-tokenizers", "02-attention-kv-cache"].map((f) => readLab(join(course.labsDir, f), f));
  const out = join(tempDir(), "handout");

  it("leaves out every solution, teacher note and benchmark", () => {
    const r = writeHandout(course, labs, { labs, added: [] }, out);
    expect(r.packages.sort()).toEqual(["errors", "kit", "model", "onnx", "tensor"]);
    const regions = labs.reduce((n, l) => n + labRegions(l).length, 0);
    expect(r.regions).toBe(regions);
    expect(expectNoSolution(labs, out)).toBe(regions);
    for (const lab of labs) {
      expect(existsSync(join(lab.dir, "INSTRUCTOR.md"))).toBe(true);
      expect(existsSync(join(out, "labs", lab.folder, "INSTRUCTOR.md"))).toBe(false);
      expect(existsSync(join(out, "labs", lab.folder, "bench"))).toBe(false);
      expect(existsSync(join(out, "labs", lab.folder, "README.md"))).toBe(true);
    }
    // Only the handout's workspaces stay in its lockfile.
    const lock = JSON.parse(readFileSync(join(out, "package-lock.json"), "utf8")).packages;
    expect(
      Object.keys(lock)
        .filter((k) => /^(labs|packages)\/[^/]+$/.test(k))
        .sort(),
    ).toEqual([
      "labs/01-tokenizers",
      "labs/02-attention-kv-cache",
      "packages/errors",
      "packages/kit",
      "packages/model",
      "packages/onnx",
      "packages/tensor",
    ]);
  });
});
