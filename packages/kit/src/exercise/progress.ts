import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Course } from "../course.ts";
import type { ExerciseResult } from "./run-tests.ts";

// What the course remembers between commands: the last `check` of each lab
// and how many hints were shown. It lives beside the learner's work, in
// workspace/.progress.json, so deleting the workspace forgets it too.

const LabProgress = z.object({
  checkedAt: z.string(),
  exercises: z.array(
    z.object({
      id: z.string(),
      state: z.enum(["pass", "todo", "fail"]),
      passed: z.number(),
      total: z.number(),
    }),
  ),
  hintsShown: z.record(z.string(), z.number()).default({}),
});
const Progress = z.object({ version: z.literal(1), labs: z.record(z.string(), LabProgress) });
export type LabProgress = z.infer<typeof LabProgress>;
export type Progress = z.infer<typeof Progress>;

const file = (course: Course) => join(course.workspaceDir, ".progress.json");

export function loadProgress(course: Course): Progress {
  const path = file(course);
  if (!existsSync(path)) return { version: 1, labs: {} };
  try {
    return Progress.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    // A hand-edited or half-written file: keep it for inspection, start afresh.
    renameSync(path, `${path}.broken-${Date.now()}`);
    process.stderr.write(
      `note: ${path} was unreadable; it was kept as ${path}.broken-* and progress starts afresh\n`,
    );
    return { version: 1, labs: {} };
  }
}

export function saveProgress(course: Course, progress: Progress): void {
  mkdirSync(course.workspaceDir, { recursive: true });
  // Write then rename, so an interrupted write never leaves half a file.
  const tmp = `${file(course)}.tmp`;
  writeFileSync(tmp, JSON.stringify(progress, null, 2) + "\n");
  renameSync(tmp, file(course));
}

export function recordCheck(
  course: Course,
  labId: string,
  results: ExerciseResult[],
  now = new Date(),
): void {
  const progress = loadProgress(course);
  const old = progress.labs[labId];
  progress.labs[labId] = {
    checkedAt: now.toISOString(),
    exercises: results.map(({ id, state, passed, total }) => ({ id, state, passed, total })),
    hintsShown: old?.hintsShown ?? {},
  };
  saveProgress(course, progress);
}
