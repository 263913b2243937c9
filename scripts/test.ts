// npm test: everything CI checks, in the order a failure is cheapest to read.
//   1. typecheck every package and lab (turbo, cached)
//   2. every test of every package and lab (one vitest run)
//   3. the exercise verifier (every region is caught by its tests)
// It ends with one line, "tests: N passed, M failed", counting 2 and 3.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@llm-labs/kit";
import { verifyAll } from "./verify-exercises.ts";

const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1", DO_NOT_TRACK: "1" };
const failures: string[] = [];

console.log("── typecheck ──");
const tc = spawnSync(bin("turbo"), ["run", "typecheck", "--output-logs=errors-only"], { cwd: REPO_ROOT, stdio: "inherit", env });
const tcScripts = spawnSync(bin("tsc"), ["-p", "scripts"], { cwd: REPO_ROOT, stdio: "inherit", env });
if (tc.status !== 0 || tcScripts.status !== 0) failures.push("typecheck");

console.log("\n── tests ──");
const reports = join(REPO_ROOT, ".llm-labs", "reports");
mkdirSync(reports, { recursive: true });
const report = join(reports, "all-tests.json");
rmSync(report, { force: true });
const vt = spawnSync(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], { cwd: REPO_ROOT, stdio: "inherit", env });
let passed = 0;
let failed = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests;
  failed = json.numFailedTests + json.numRuntimeErrorTestSuites;
} catch {
  failed += 1;
}
if (vt.status !== 0) failures.push("tests");

console.log("\n── exercise verifier ──");
const v = await verifyAll();
if (v.uncaught > 0) failures.push("exercise verifier");

console.log(`\n${failures.length ? `FAILED: ${failures.join(", ")}` : "all green"}`);
console.log(`tests: ${passed + v.caught} passed, ${failed + v.uncaught} failed`);
process.exitCode = failures.length ? 1 : 0;
