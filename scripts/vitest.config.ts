import { defineConfig } from "vitest/config";

// Checks of the course as a whole (README, CI script, seed readings).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
  },
});
