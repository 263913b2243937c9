import { defineConfig } from "vitest/config";

// Used when vitest runs inside this folder and as this lab's project in the root run.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Loading a 10 MB tokenizer.json twice (ours and transformers.js) takes a
    // second or two on a small machine; the tests themselves are fast.
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});
