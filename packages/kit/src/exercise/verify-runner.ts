// The verifier's one vitest process (started by verify.ts, never by hand):
//   node --import tsx verify-runner.ts <plan.json>
// It runs every test file the plan names in one vitest instance, each file
// under its own name filter and as its own variant of the lab (see
// variants.ts), and writes the exercise reporter's JSON to plan.report.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type TestSpecification, createVitest } from "vitest/node";
import ExerciseReporter from "./reporter.ts";
import { type Variant, variantPlugin } from "./variants.ts";

export interface RunnerPlan {
  root: string; // the course root: node_modules and the packages are under it
  dir: string; // the wrappers' folder
  report: string;
  maxWorkers: number;
  testTimeout: number;
  hookTimeout: number;
  variants: Variant[];
  // A wrapper is a one-line test file that imports one test file of a lab,
  // as one variant (or as the solution); pattern is vitest's -t for it alone.
  specs: { wrapper: string; pattern?: string }[];
}

// The plan's order is kept: the verifier puts the longest files first.
class PlanOrder {
  async shard(files: TestSpecification[]) {
    return files;
  }
  async sort(files: TestSpecification[]) {
    return files;
  }
}

const plan = JSON.parse(readFileSync(process.argv[2], "utf8")) as RunnerPlan;
process.env.LLM_LABS_REPORT = plan.report;
const vitest = await createVitest(
  "test",
  {
    config: false,
    root: plan.root,
    dir: plan.dir,
    include: ["**/*.test.ts"],
    watch: false,
    // Every variant's files share one set of workers and the packages loaded
    // in them; a variant's own modules are its own (variants.ts).
    isolate: false,
    maxWorkers: plan.maxWorkers,
    testTimeout: plan.testTimeout,
    hookTimeout: plan.hookTimeout,
    reporters: [new ExerciseReporter()],
    sequence: { sequencer: PlanOrder },
    runner: join(import.meta.dirname, "test-runner.ts"),
  },
  { plugins: [variantPlugin(plan.variants)] },
);
const project = vitest.projects[0];
const specs = plan.specs.map((s) =>
  project.createSpecification(s.wrapper, { testNamePattern: s.pattern ? new RegExp(s.pattern) : undefined }),
);
await vitest.runTestSpecifications(specs);
await vitest.close();
// A worker's open handle (ONNX Runtime's thread pool) must not keep this process alive.
process.exit(0);
