import { writeFileSync } from "node:fs";
import type { RunnerTask, RunnerTestCase, RunnerTestFile, RunnerTestSuite } from "vitest";
import { VitestTestRunner } from "vitest/runners";
import { isVariantWrapper } from "./variants.ts";

// vitest's own runner with two additions, for `exercise check` and the
// verifier (vitest.exercise.config.ts and verify-runner.ts name it):
//
//  - LLM_LABS_PROGRESS=<path>: before each file's import, each hook-bearing
//    suite and each test, this worker writes what it starts and that step's
//    own time limit to <path>.<pid>, synchronously. A learner's
//    `while (true) {}` blocks the worker, so vitest cannot time the test out;
//    the parent reads the file, sees the step run past its limit, kills the
//    run and says which exercise it was (run-tests.ts).
//  - In a verifier's variant (a region stubbed), the first failing test is
//    the proof: the variant's remaining tests and suites are skipped instead
//    of each rebuilding its fixtures only to meet the same stub.

export interface Progress {
  kind: "load" | "suite" | "test";
  names: string[]; // the file, then describe titles outermost first, then the test
  limitMs: number; // the step's own timeout
  startedAt: number; // Date.now()
}

const progressFile = process.env.LLM_LABS_PROGRESS ? `${process.env.LLM_LABS_PROGRESS}.${process.pid}` : "";

function names(task: RunnerTask): string[] {
  const out: string[] = [];
  for (let t: RunnerTask | undefined = task; t; t = t.suite) if (t.name) out.unshift(t.name);
  return [task.file.filepath, ...out.filter((n) => n !== task.file.name)];
}

export default class ExerciseRunner extends VitestTestRunner {
  private caught = new Set<string>(); // variant files already proven

  private progress(kind: Progress["kind"], task: RunnerTask, limitMs: number): void {
    if (!progressFile) return;
    const p: Progress = {
      kind,
      names: kind === "load" ? [task.file.filepath] : names(task),
      limitMs,
      startedAt: Date.now(),
    };
    writeFileSync(progressFile, JSON.stringify(p));
  }

  override onCollectStart(file: RunnerTestFile): void {
    this.progress("load", file, this.config.hookTimeout);
    super.onCollectStart(file);
  }

  override async onBeforeRunSuite(suite: RunnerTestSuite): Promise<void> {
    if (!("filepath" in suite) && this.caught.has(suite.file.filepath)) suite.mode = "skip";
    else if (!("filepath" in suite)) this.progress("suite", suite, this.config.hookTimeout);
    return super.onBeforeRunSuite(suite);
  }

  override async onAfterRunSuite(suite: RunnerTestSuite): Promise<void> {
    if (suite.result?.state === "fail") this.proven(suite);
    return super.onAfterRunSuite(suite);
  }

  override async onBeforeRunTask(test: RunnerTask): Promise<void> {
    if (this.caught.has(test.file.filepath)) test.mode = "skip";
    else this.progress("test", test, (test as RunnerTestCase).timeout ?? this.config.testTimeout);
    return super.onBeforeRunTask(test);
  }

  override onAfterRunTask(test: RunnerTask): void {
    if (test.result?.state === "fail") this.proven(test);
    super.onAfterRunTask(test);
  }

  private proven(task: RunnerTask): void {
    if (isVariantWrapper(task.file.filepath)) this.caught.add(task.file.filepath);
  }
}
