import { defineConfig } from "vitest/config";

// Used when vitest runs inside this folder and as this lab's project in the root run.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // As `npm test` runs the course (scripts/test.ts): the test files a worker runs
    // share loaded modules (transformers.js, XGrammar's WebAssembly, the specimen)
    // instead of loading them once per file; no test keeps state at module level.
    isolate: false,
    // The course's timeouts: at least 5× what the slowest test (6 s) and hook
    // (12 s) of a lab take on a quiet 2-core machine, so a laptop with both
    // cores busy still passes. A test that needs more says so itself.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
