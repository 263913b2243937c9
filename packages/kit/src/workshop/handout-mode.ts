import { cpSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join, relative } from "node:path";
import type { Course } from "../course.ts";
import { UserError } from "../errors.ts";
import { describeZodError } from "../manifest.ts";
import type { Lab } from "../labs.ts";
import { cyan, dim } from "../term/paint.ts";
import { HANDOUT_FILE, HandoutInfo, STARTERS_DIR } from "./handout.ts";

// Inside a handout the course CLI works in place: there is no solution to
// protect, so labs/NN-name/ is the learner's copy (the workspace is the labs
// folder), and only the handout's own labs are shown. `start` and `reset`
// behave accordingly; every other command is the course's own.

export function readHandoutInfo(root: string): HandoutInfo | undefined {
  const path = join(root, HANDOUT_FILE);
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UserError(
      `${HANDOUT_FILE} is not valid JSON (${(e as Error).message}); get a fresh copy from your teacher`,
    );
  }
  const info = HandoutInfo.safeParse(raw);
  if (!info.success)
    throw new UserError(
      `${HANDOUT_FILE}: ${describeZodError(info.error)}; get a fresh copy from your teacher`,
    );
  return info.data;
}

export function handoutCourse(course: Course): Course {
  return { ...course, workspaceDir: course.labsDir };
}

export function handoutLabs(labs: Lab[], info: HandoutInfo): Lab[] {
  return labs.filter((l) => info.labs.includes(l.id));
}

export function handoutStart(course: Course, lab: Lab): number {
  const rel = relative(process.cwd(), lab.dir) || ".";
  console.log(
    `In this handout you write ${lab.id}'s ${lab.manifest.exercises.length} exercises where they are:`,
  );
  for (const e of lab.manifest.exercises) console.log(`  ${e.id.padEnd(22)} ${rel}/${e.file}`);
  console.log(`\nRead ${rel}/README.md, write the code where it says "#region exercise", then:`);
  console.log(
    `  ${cyan(`npm run exercise -- check ${lab.id}`)}   ${dim(`or  npm run exercise -- watch ${lab.id}  to re-check on every save`)}`,
  );
  return 0;
}

// src/ goes to backups/NN-name-<time>/src/ before the starter is copied back.
export function handoutReset(course: Course, lab: Lab, now = new Date()): number {
  const starter = join(course.root, STARTERS_DIR, lab.folder, "src");
  if (!existsSync(starter))
    throw new UserError(
      `this handout has no starter for ${lab.id} (${relative(process.cwd(), starter)} is missing); get a fresh copy from your teacher`,
    );
  const src = join(lab.dir, "src");
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const backup = join(course.root, "backups", `${lab.folder}-${stamp}`);
  if (existsSync(src)) {
    if (existsSync(backup))
      throw new UserError(
        `backup folder ${relative(process.cwd(), backup)} already exists; wait a second and try again`,
      );
    mkdirSync(backup, { recursive: true });
    renameSync(src, join(backup, "src"));
    console.log(`Backed up your work to ${relative(process.cwd(), backup)}/src/`);
  }
  cpSync(starter, src, { recursive: true });
  console.log(`Wrote a fresh ${relative(process.cwd(), src)}/ with every exercise stubbed.`);
  return 0;
}
