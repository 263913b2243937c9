import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, vi } from "vitest";
import { main } from "../src/cli/main.ts";
import { type Course, REPO_ROOT, defaultCourse } from "../src/course.ts";

export const FIXTURES = join(import.meta.dirname, "fixtures");

// A course over fixture labs, with its workspace in the repo's scratch folder:
// the stubbed copies must sit under the repo so they can import @llm-labs/kit.
// Each test file that makes one removes it when the file is done, so runs do
// not pile up folders named after dead process ids.
const made = new Set<string>();
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function fixtureCourse(name: "good" | "weak", tag: string): Course {
  const scratch = join(REPO_ROOT, ".llm-labs", "kit-tests", `${tag}-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  made.add(scratch);
  return {
    ...defaultCourse(),
    labsDir: join(FIXTURES, name, "labs"),
    workspaceDir: join(scratch, "workspace"),
    scratchDir: join(scratch, "scratch"),
  };
}

export function runCli(
  course: Course,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number; stdout: string; stderr: string } {
  const tsx = join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  const main = join(REPO_ROOT, "packages", "kit", "src", "cli", "main.ts");
  const r = spawnSync(process.execPath, [tsx, main, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      // Plain text whatever the terminal running the tests asked for.
      FORCE_COLOR: undefined,
      NO_COLOR: "1",
      LLM_LABS_LABS_DIR: course.labsDir,
      LLM_LABS_WORKSPACE_DIR: course.workspaceDir,
      LLM_LABS_SCRATCH_DIR: course.scratchDir,
      ...env,
    },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// The CLI in this process, its console.log captured: faster than runCli when a
// test only needs what it prints or the error it throws.
export async function mainInProcess(
  course: Course,
  args: string[],
): Promise<{ code?: number; out: string; err?: unknown }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  try {
    return { code: await main(args, course), out: lines.join("\n") };
  } catch (err) {
    return { out: lines.join("\n"), err };
  } finally {
    spy.mockRestore();
  }
}
