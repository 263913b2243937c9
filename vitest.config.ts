import { cpus } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// `npm test` runs every package's and lab's tests in one vitest process. Each
// folder's own vitest.config.ts (every package and lab has one) applies to its
// project, and is what `npx vitest run` inside that folder uses.
const here = import.meta.dirname;

export default defineConfig({
  test: {
    // vitest leaves a core free by default, which on a 2-core laptop runs the
    // test files one at a time; they are independent, so use every core.
    maxWorkers: Math.max(1, cpus().length),
    projects: [join(here, "packages/*"), join(here, "labs/*"), join(here, "scripts")],
  },
});
