import { defineConfig } from "vitest/config";

// `npm test` runs every package's and lab's tests in one vitest process; each
// folder's own vitest.config.ts (if any) applies to its project.
export default defineConfig({
  test: {
    projects: ["packages/*", "labs/*", "scripts"],
  },
});
