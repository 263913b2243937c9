// npm test: everything CI checks, in the order a failure is cheapest to read.
//   0. every source file is formatted (Biome, biome.json; `npm run format` fixes it)
//   1. typecheck every package, lab and script (one tsc program, tsconfig.json)
//   2. every test of every package and lab (one vitest run)
//   3. the exercise verifier: every region of every lab stubbed, one at a
//      time, in one more vitest run (packages/kit/src/exercise/verify.ts)
// It ends with one line, "tests: N passed, M failed", counting 2 and 3.
//
// npm test -- --lab <id>: one lab while you work on it (its id, number or
// folder, as `npm run lab` takes them): its files' format, its tests and its
// verifier, in one vitest run. No typecheck (npx tsc -p tsconfig.json does that).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { type Lab, REPO_ROOT, UserError, defaultCourse, discoverLabs, findLab } from "@llm-labs/kit";
import { verifyAll } from "./verify-exercises.ts";

const USAGE = "npm test [-- --lab <id>]";
const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  TURBO_NO_UPDATE_NOTIFIER: "1",
  DO_NOT_TRACK: "1",
};
const failures: string[] = [];
const times: string[] = [];
const started = Date.now();

// Runs one step and notes how long it took, for the summary above the last line.
async function step<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  console.log(`\n── ${name} ──`);
  const t0 = Date.now();
  const result = await run();
  times.push(`${name} ${Math.round((Date.now() - t0) / 1000)} s`);
  return result;
}

let lab: Lab | undefined;
try {
  const { values } = parseArgs({
    options: { lab: { type: "string" } },
    strict: true,
    allowPositionals: false,
  });
  if (values.lab !== undefined) lab = findLab(discoverLabs(defaultCourse()), values.lab);
} catch (e) {
  if (!(e instanceof UserError) && !(e instanceof TypeError)) throw e;
  console.error(`error: ${(e as Error).message}; usage: ${USAGE}`);
  process.exit(2);
}

let passed = 0;
let failed = 0;

await step("format", () => {
  const where = lab ? relative(REPO_ROOT, lab.dir) : ".";
  const fmt = spawnSync(bin("biome"), ["format", where], { cwd: REPO_ROOT, stdio: "inherit", env });
  if (fmt.status !== 0) {
    failures.push("format");
    console.log("Some files are not formatted: npm run format rewrites them (it changes layout only).");
  }
});

if (lab) {
  const v = await step(`${lab.id}: its tests and its verifier`, () =>
    verifyAll([lab.id], { solutionAlreadyPassed: false }),
  );
  passed += v.verdicts[0].solutionPassed + v.caught;
  failed += v.uncaught;
  if (v.uncaught > 0) failures.push(`${lab.id}`);
} else {
  await step("typecheck", () => {
    const tc = spawnSync(bin("tsc"), ["-p", "tsconfig.json"], { cwd: REPO_ROOT, stdio: "inherit", env });
    if (tc.status !== 0) failures.push("typecheck");
  });

  const vitestOk = await step("tests", () => {
    const reports = join(REPO_ROOT, ".llm-labs", "reports");
    mkdirSync(reports, { recursive: true });
    const report = join(reports, "all-tests.json");
    rmSync(report, { force: true });
    // --no-isolate: test files that one worker runs share loaded modules (the
    // tensor, model and onnx packages, ONNX Runtime) instead of loading them once
    // per file; no test keeps state at module level. 101 s → 78 s on 2 cores.
    const vt = spawnSync(
      bin("vitest"),
      ["run", "--no-isolate", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
      { cwd: REPO_ROOT, stdio: "inherit", env },
    );
    try {
      const json = JSON.parse(readFileSync(report, "utf8"));
      passed += json.numPassedTests ?? 0;
      // A file that fails to load has no failed test, only a failed suite.
      failed += json.numFailedTests || json.numFailedTestSuites || 0;
    } catch {
      // no report at all: vitest could not start
    }
    if (vt.status !== 0) {
      failures.push("tests");
      // vitest can fail outside any test (a config error, an unhandled error).
      failed = Math.max(failed, 1);
    }
    return vt.status === 0;
  });

  // The solution's own run is the tests step above; only failing tests there
  // would make the verifier's solution run differ.
  const v = await step("exercise verifier", () => verifyAll([], { solutionAlreadyPassed: vitestOk }));
  passed += v.caught;
  failed += v.uncaught;
  if (v.uncaught > 0) failures.push("exercise verifier");
}

console.log(`\n${failures.length ? `FAILED: ${failures.join(", ")}` : "all green"}`);
console.log(`time: ${Math.round((Date.now() - started) / 1000)} s (${times.join(", ")})`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exitCode = failures.length ? 1 : 0;
