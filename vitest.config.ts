import { join } from "node:path";
import { defineConfig } from "vitest/config";

// `npm test` runs every package's and lab's tests in one vitest process. Each
// folder's own vitest.config.ts (every package and lab has one) applies to its
// project, and is what `npx vitest run` inside that folder uses.
const here = import.meta.dirname;

export default defineConfig({
  test: {
    projects: [join(here, "packages/*"), join(here, "labs/*"), join(here, "scripts")],
  },
});
