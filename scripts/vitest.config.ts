import { defineConfig } from "vitest/config";

// Checks of the course as a whole (README, CI script, seed readings).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The course's timeouts (see the labs' configs); the site build and the
    // plots run real processes, which is why a hook may take 12 s here.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
