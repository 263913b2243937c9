import { defineConfig } from "vitest/config";

// Used when vitest runs inside this folder and as this lab's project in the root run.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // As `npm test` runs the course (scripts/test.ts): the test files of a worker share
    // loaded modules (the specimens, onnxruntime-node, transformers.js's tokenizer) instead
    // of loading them once per file; no test keeps state at module level.
    isolate: false,
    // The course's timeouts, at least 5× what the slowest test and hook take on a busy
    // 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
