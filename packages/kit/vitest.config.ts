import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The fixture labs' tests run only through the exercise runner, inside the
    // kit's own tests; they are not tests of the kit.
    exclude: ["test/fixtures/**", "**/node_modules/**"],
    // The kit's tests run real processes (the CLI, vitest itself), up to ~8 s
    // each on a quiet 2-core machine: 60 s is over 5× that, with the cores busy.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
