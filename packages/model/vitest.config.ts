import { defineConfig } from "vitest/config";

// Used when vitest runs inside this folder and as this package's project in the root run.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
  },
});
