import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Where things live. Every function that touches the disk takes a Course, so
// the kit's own tests can point it at fixture labs instead of the real ones.
export interface Course {
  root: string; // the repository root (node_modules lives here)
  labsDir: string; // labs/NN-name/
  workspaceDir: string; // the learner's copies: workspace/NN-name/
  scratchDir: string; // throwaway copies made by the verifier
}

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../../", import.meta.url)));

export function defaultCourse(root = REPO_ROOT): Course {
  return {
    root,
    labsDir: join(root, "labs"),
    workspaceDir: join(root, "workspace"),
    scratchDir: join(root, ".llm-labs"),
  };
}

export function isInstalled(root = REPO_ROOT): boolean {
  return existsSync(join(root, "node_modules", "vitest", "package.json"));
}
