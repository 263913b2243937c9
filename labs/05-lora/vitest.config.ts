import { defineConfig } from "vitest/config";

// Used when vitest runs inside this folder and as this lab's project in the root run.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
