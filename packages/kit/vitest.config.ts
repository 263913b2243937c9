import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The fixture labs' tests run only through the exercise runner, inside the
    // kit's own tests; they are not tests of the kit.
    exclude: ["test/fixtures/**", "**/node_modules/**"],
    testTimeout: 60_000,
  },
});
