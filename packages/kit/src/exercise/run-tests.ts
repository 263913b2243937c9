import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Course } from "../course.ts";
import type { Lab } from "../labs.ts";
import type { ReportedFile } from "./reporter.ts";

export interface TestOutcome {
  file: string;
  exercise?: string; // from describe("exercise: <id>")
  name: string;
  status: "passed" | "failed" | "skipped";
  message?: string;
}

export interface RunResult {
  tests: TestOutcome[];
  // A test file that could not even load (a syntax error in the learner's
  // code, an import that throws) fails every exercise it would have checked.
  fileErrors: { file: string; message: string }[];
  passed: number;
  failed: number;
}

let runs = 0;
const EXERCISE_TITLE = /^exercise: ([a-z0-9-]+)$/;

// Runs vitest in a child process, so a learner's infinite loop or crash cannot
// take the course CLI down with it, and reads the JSON report back.
export async function runLabTests(
  course: Course,
  lab: Lab,
  opts: { srcDir?: string; testNamePattern?: string; files?: string[]; tag?: string } = {},
): Promise<RunResult> {
  const outDir = join(course.scratchDir, "reports");
  mkdirSync(outDir, { recursive: true });
  const report = join(outDir, `${lab.folder}-${opts.tag ?? "run"}-${process.pid}-${++runs}.json`);
  rmSync(report, { force: true });
  const require = createRequire(join(course.root, "package.json"));
  const vitest = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");
  const config = join(course.root, "packages", "kit", "vitest.exercise.config.ts");
  const reporter = join(course.root, "packages", "kit", "src", "exercise", "reporter.ts");
  const args = [vitest, "run", "--config", config, `--reporter=${reporter}`];
  if (opts.testNamePattern) args.push("--testNamePattern", opts.testNamePattern);
  // vitest takes positional arguments as filters on test file paths.
  if (opts.files) args.push(...opts.files);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LLM_LABS_LAB_DIR: lab.dir,
    LLM_LABS_REPORT: report,
    FORCE_COLOR: "0",
  };
  if (opts.srcDir) env.LLM_LABS_SRC_DIR = opts.srcDir;
  else delete env.LLM_LABS_SRC_DIR;

  const output = await new Promise<string>((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd: lab.dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    child.on("close", () => resolveRun(text));
  });
  if (!existsSync(report)) {
    return {
      tests: [],
      fileErrors: [{ file: lab.folder, message: `vitest produced no report:\n${output.slice(-2000)}` }],
      passed: 0,
      failed: 1,
    };
  }
  const result = parseReport(JSON.parse(readFileSync(report, "utf8")), lab.dir);
  rmSync(report, { force: true });
  return result;
}

export function parseReport(json: { files: ReportedFile[] }, labDir: string): RunResult {
  const tests: TestOutcome[] = [];
  const fileErrors: RunResult["fileErrors"] = [];
  for (const f of json.files) {
    const file = f.file.startsWith(labDir) ? f.file.slice(labDir.length + 1) : f.file;
    if (f.loadError) fileErrors.push({ file, message: f.loadError });
    for (const t of f.tests) {
      const exercise = t.ancestors.map((a) => EXERCISE_TITLE.exec(a)?.[1]).find(Boolean);
      tests.push({
        file,
        exercise,
        name: [...t.ancestors, t.name].join(" › "),
        status: t.status,
        message: t.message,
      });
    }
  }
  const passed = tests.filter((t) => t.status === "passed").length;
  const failed = tests.filter((t) => t.status === "failed").length + fileErrors.length;
  return { tests, fileErrors, passed, failed };
}

export type ExerciseState = "pass" | "todo" | "fail";

export interface ExerciseResult {
  id: string;
  state: ExerciseState;
  passed: number;
  total: number;
  firstFailure?: string;
}

// An exercise passes when every test in its describe passes. It is "todo"
// while its failures are only NotImplemented (the learner has not started
// it), "fail" once their own code runs and is wrong.
export function exerciseResults(lab: Lab, run: RunResult): ExerciseResult[] {
  return lab.manifest.exercises.map((ex) => {
    const mine = run.tests.filter((t) => t.exercise === ex.id && t.status !== "skipped");
    const failures = mine.filter((t) => t.status === "failed");
    const loadError = run.fileErrors[0];
    const passed = mine.length - failures.length;
    if (loadError)
      return {
        id: ex.id,
        state: "fail",
        passed,
        total: mine.length,
        firstFailure: `${loadError.file}: ${loadError.message}`,
      };
    if (mine.length === 0)
      return {
        id: ex.id,
        state: "fail",
        passed: 0,
        total: 0,
        firstFailure: `no test is named "exercise: ${ex.id}"`,
      };
    if (failures.length === 0) return { id: ex.id, state: "pass", passed, total: mine.length };
    const todo = failures.every((t) => /NotImplemented|is not implemented yet/.test(t.message ?? ""));
    return {
      id: ex.id,
      state: todo ? "todo" : "fail",
      passed,
      total: mine.length,
      firstFailure: `${failures[0].name}\n${failures[0].message ?? ""}`,
    };
  });
}
