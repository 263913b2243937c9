import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Course } from "../course.ts";
import type { Lab } from "../labs.ts";
import type { ReportedFile } from "./reporter.ts";
import type { Progress } from "./test-runner.ts";

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
  // The run was killed: a step (a test, a hook, loading a file) ran past its
  // own timeout without yielding, which vitest alone cannot stop.
  stopped?: Stopped;
}

export interface Stopped {
  file: string; // the test file, relative to the lab
  exercise?: string; // from the describe("exercise: <id>") it was in
  step: string; // "test dot › dots", "beforeAll of exercise: dot", "loading test/arith.test.ts"
  ranMs: number;
  limitMs: number;
}

// How long past a step's own timeout the watchdog waits before it kills the
// run: vitest stops an async test at its timeout itself and must be let, and
// the worker then writes its next step at once. A fifth of the timeout, from
// 2 s to 10 s: a 30 s test is stopped after 36 s.
export const watchdogGrace = (limitMs: number): number => Math.min(10_000, Math.max(2_000, limitMs / 5));

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
  const progress = report.replace(/\.json$/, ".progress");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LLM_LABS_LAB_DIR: lab.dir,
    LLM_LABS_REPORT: report,
    LLM_LABS_PROGRESS: progress,
    FORCE_COLOR: "0",
  };
  if (opts.srcDir) env.LLM_LABS_SRC_DIR = opts.srcDir;
  else delete env.LLM_LABS_SRC_DIR;

  let stopped: Stopped | undefined;
  const output = await new Promise<string>((resolveRun) => {
    // Its own process group, so that the watchdog stops vitest's workers too.
    const child = spawn(process.execPath, args, {
      cwd: lab.dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    // Each worker writes the step it starts, and that step's timeout, to
    // <progress>.<pid> (test-runner.ts); a step that is still the current one
    // past its timeout and the grace never yielded: an endless loop.
    const watchdog = setInterval(() => {
      const now = Date.now();
      for (const p of readProgress(progress)) {
        if (now - p.startedAt <= p.limitMs + watchdogGrace(p.limitMs)) continue;
        stopped = describeStep(lab, p, now);
        killGroup(child.pid);
      }
    }, 250);
    child.on("close", () => {
      clearInterval(watchdog);
      killGroup(child.pid); // a worker left behind
      for (const f of progressFiles(progress)) rmSync(f, { force: true });
      resolveRun(text);
    });
  });
  if (stopped) {
    rmSync(report, { force: true });
    return { tests: [], fileErrors: [], passed: 0, failed: 1, stopped };
  }
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

function progressFiles(base: string): string[] {
  const dir = dirname(base);
  const name = `${basename(base)}.`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(name))
    .map((f) => join(dir, f));
}

function readProgress(base: string): Progress[] {
  const out: Progress[] = [];
  for (const f of progressFiles(base)) {
    try {
      out.push(JSON.parse(readFileSync(f, "utf8")) as Progress);
    } catch {
      // being written, or removed since the listing
    }
  }
  return out;
}

function describeStep(lab: Lab, p: Progress, now: number): Stopped {
  const [path, ...names] = p.names;
  const file = path.startsWith(lab.dir) ? path.slice(lab.dir.length + 1) : path;
  const exercise = names.map((n) => EXERCISE_TITLE.exec(n)?.[1]).find(Boolean);
  const step =
    p.kind === "load"
      ? `loading ${file}`
      : p.kind === "suite"
        ? `the hooks of "${names.join(" › ")}"`
        : `test "${names.join(" › ")}"`;
  return { file, exercise, step, ranMs: now - p.startedAt, limitMs: p.limitMs };
}

export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
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
  // A test file of this exercise could not load (a syntax error, an import
  // that throws): its tests never ran. The load error.
  blocked?: string;
}

// An exercise passes when every test in its describe passes. It is "todo"
// while its failures are only NotImplemented (the learner has not started
// it), "fail" once their own code runs and is wrong. `filesOf` names the test
// files of an exercise (testFilesNaming): a file that cannot load then blocks
// only the exercises it tests; without it, any such file blocks them all.
export function exerciseResults(
  lab: Lab,
  run: RunResult,
  filesOf?: (exercise: string) => string[],
): ExerciseResult[] {
  return lab.manifest.exercises.map((ex) => {
    const mine = run.tests.filter((t) => t.exercise === ex.id && t.status !== "skipped");
    const failures = mine.filter((t) => t.status === "failed");
    const files = filesOf?.(ex.id);
    const loadError = files ? run.fileErrors.find((e) => files.includes(e.file)) : run.fileErrors[0];
    const passed = mine.length - failures.length;
    if (loadError)
      return {
        id: ex.id,
        state: "fail",
        passed,
        total: mine.length,
        firstFailure: `${loadError.file}: ${loadError.message}`,
        blocked: loadError.message,
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

export function testFiles(lab: Lab): string[] {
  const dir = join(lab.dir, "test");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => join("test", f))
    .sort();
}

// The test files with a describe("exercise: <id>"), relative to the lab.
export function testFilesNaming(lab: Lab, exercise: string): string[] {
  const title = new RegExp(`["'\`]exercise: ${exercise}["'\`]`);
  return testFiles(lab).filter((f) => title.test(readFileSync(join(lab.dir, f), "utf8")));
}

export interface SourceLocation {
  file: string; // absolute
  line?: number;
  column?: number;
  what: string; // "Unexpected token"
  frame: string[]; // the parser's code frame, if it gave one
}

const ANSI = /\x1b\[[0-9;]*m/g;
const PATH = /((?:[A-Za-z]:)?[^\s'"()[\]]+\.(?:ts|mts|js|mjs))(?::(\d+)(?::(\d+))?)?/g;

// Where in the learner's folder a load error points (a syntax error, an
// import that throws), or undefined when it points elsewhere. Paths in the
// message may be absolute, file:// URLs, or relative to `baseDir` (the
// parser writes them relative to the folder vitest runs in).
export function sourceLocation(message: string, srcDir: string, baseDir: string): SourceLocation | undefined {
  const plain = message.replace(ANSI, "").replaceAll("file://", "");
  for (const m of plain.matchAll(PATH)) {
    const file = isAbsolute(m[1]) ? m[1] : resolve(baseDir, m[1]);
    if (relative(srcDir, file).startsWith("..")) continue;
    const lines = plain.split("\n");
    const what =
      lines
        .map((l) => l.trim())
        .find(
          (l) => l && !/^Error: Transform failed/.test(l) && !l.startsWith("╭") && !l.startsWith("at "),
        ) ?? "";
    const frame = lines.filter((l) => /^\s*(\d+\s*)?│/.test(l)).map((l) => l.trimEnd());
    return {
      file,
      line: m[2] ? Number(m[2]) : undefined,
      column: m[3] ? Number(m[3]) : undefined,
      what: what.replace(/^\[[A-Z_]+\]\s*/, ""),
      frame,
    };
  }
  return undefined;
}
