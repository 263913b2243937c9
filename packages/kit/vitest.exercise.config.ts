import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vitest/config";

// The config `exercise check` and the verifier run a lab's tests with.
//   LLM_LABS_LAB_DIR  the lab whose tests run (labs/NN-name)
//   LLM_LABS_SRC_DIR  a copy of its src/ to test instead (the learner's, or a
//                     stubbed one); every import that would load a file from
//                     the lab's src/ loads the same file from this folder.
const labDir = resolve(process.env.LLM_LABS_LAB_DIR ?? ".");
const srcDir = process.env.LLM_LABS_SRC_DIR ? resolve(process.env.LLM_LABS_SRC_DIR) : undefined;

function redirectSrc(from: string, to: string): Plugin {
  return {
    name: "llm-labs:redirect-src",
    enforce: "pre",
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved && !resolved.external && resolved.id.startsWith(from)) {
        return { ...resolved, id: to + resolved.id.slice(from.length) };
      }
      return resolved;
    },
  };
}

export default defineConfig({
  root: labDir,
  plugins: srcDir ? [redirectSrc(resolve(labDir, "src") + "/", srcDir + "/")] : [],
  test: {
    include: ["test/**/*.test.ts"],
    // The course's timeouts, as every lab's own config sets them (a test that
    // needs more says so itself). A learner's endless loop never yields, so
    // vitest cannot stop it at these: the runner below tells `exercise check`
    // what is running, which kills the run a little past the step's timeout.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    runner: resolve(import.meta.dirname, "src/exercise/test-runner.ts"),
    // Test files of one lab share their modules instead of each loading the
    // lab, its packages and ONNX Runtime again: a run is mostly that loading.
    // A lab's tests keep no state at module level, so nothing leaks between files.
    isolate: false,
  },
});
