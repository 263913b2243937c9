// npm test: everything CI checks, in the order a failure is cheapest to read.
//   0. every source file is formatted (Biome, biome.json; `npm run format` fixes it)
//   1. typecheck every package, lab and script (one tsc program, tsconfig.json)
//   2. every test of every package and lab (one vitest run)
//   3. the exercise verifier (every region is caught by its tests)
// It ends with one line, "tests: N passed, M failed", counting 2 and 3.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@llm-labs/kit";
import { verifyAll } from "./verify-exercises.ts";

const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  TURBO_NO_UPDATE_NOTIFIER: "1",
  DO_NOT_TRACK: "1",
};
const failures: string[] = [];

console.log("── format ──");
const fmt = spawnSync(bin("biome"), ["format", "."], { cwd: REPO_ROOT, stdio: "inherit", env });
if (fmt.status !== 0) {
  failures.push("format");
  console.log("Some files are not formatted: npm run format rewrites them (it changes layout only).");
}

console.log("\n── typecheck ──");
const tc = spawnSync(bin("tsc"), ["-p", "tsconfig.json"], { cwd: REPO_ROOT, stdio: "inherit", env });
if (tc.status !== 0) failures.push("typecheck");

console.log("\n── tests ──");
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
let passed = 0;
let failed = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests ?? 0;
  // A file that fails to load has no failed test, only a failed suite.
  failed = json.numFailedTests || json.numFailedTestSuites || 0;
} catch {
  // no report at all: vitest could not start
}
if (vt.status !== 0) {
  failures.push("tests");
  // vitest can fail outside any test (a config error, an unhandled error).
  failed = Math.max(failed, 1);
}

console.log("\n── exercise verifier ──");
// The solution's own run is the tests step above; only failing tests there
// would make the verifier's solution run differ.
const v = await verifyAll([], { solutionAlreadyPassed: vt.status === 0 });
if (v.uncaught > 0) failures.push("exercise verifier");

console.log(`\n${failures.length ? `FAILED: ${failures.join(", ")}` : "all green"}`);
console.log(`tests: ${passed + v.caught} passed, ${failed + v.uncaught} failed`);
process.exitCode = failures.length ? 1 : 0;
