import {
  cpSync,
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { fsUserError, makeDirs } from "@llm-labs/errors";
import type { Course } from "../course.ts";
import { UserError } from "../errors.ts";
import type { Lab } from "../labs.ts";
import { type Region, parseRegions, stubSource } from "./regions.ts";

// The learner works in workspace/NN-name/, a copy of the lab with every
// exercise region stubbed. Tests are not copied: `check` runs the lab's own
// tests with their imports of src/ pointed at the learner's copy.

// Never copied to a learner: tests stay in labs/, teacher notes stay private.
const NOT_FOR_LEARNERS = new Set(["test", "bench", "node_modules", "INSTRUCTOR.md", ".turbo", "plots"]);

export interface RegionAt extends Region {
  file: string; // relative to the lab folder, e.g. "src/pairs.ts"
}

export function workspacePath(course: Course, lab: Lab): string {
  return join(course.workspaceDir, lab.folder);
}

export function isStarted(course: Course, lab: Lab): boolean {
  return existsSync(workspacePath(course, lab));
}

export function sourceFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path, base);
      return name.endsWith(".ts") ? [relative(base, path)] : [];
    });
}

// Every region of the lab, checked against the manifest both ways: each
// region names a manifest exercise in the manifest's file, and each exercise
// has at least one region.
export function labRegions(lab: Lab): RegionAt[] {
  const out: RegionAt[] = [];
  for (const rel of sourceFiles(join(lab.dir, "src"))) {
    const file = join("src", rel);
    const regions = parseRegions(readFileSync(join(lab.dir, file), "utf8"), `labs/${lab.folder}/${file}`);
    for (const r of regions) out.push({ ...r, file });
  }
  for (const r of out) {
    const ex = lab.manifest.exercises.find((e) => e.id === r.id);
    if (!ex)
      throw new UserError(
        `labs/${lab.folder}/${r.file}:${r.start + 1}: region "${r.id}" is not an exercise in the manifest (exercises: ${lab.manifest.exercises.map((e) => e.id).join(", ") || "none"})`,
      );
    if (ex.file !== r.file)
      throw new UserError(
        `labs/${lab.folder}/${r.file}:${r.start + 1}: region "${r.id}" is in ${r.file} but the manifest says ${ex.file}`,
      );
  }
  for (const ex of lab.manifest.exercises) {
    if (!out.some((r) => r.id === ex.id))
      throw new UserError(
        `labs/${lab.folder}: exercise "${ex.id}" has no "// #region exercise ${ex.id}" in ${ex.file}`,
      );
  }
  return out;
}

// Copy the lab to `dest` with the chosen regions stubbed (all by default).
export function writeStubbedCopy(lab: Lab, dest: string, only?: (r: RegionAt) => boolean): void {
  const regions = labRegions(lab).filter((r) => (only ? only(r) : true));
  makeDirs(dest); // not mkdirSync({ recursive }): under /proc that never returns
  for (const name of readdirSync(lab.dir)) {
    if (NOT_FOR_LEARNERS.has(name)) continue;
    cpSync(join(lab.dir, name), join(dest, name), { recursive: true });
  }
  retargetTsconfig(lab.dir, dest);
  for (const file of new Set(regions.map((r) => r.file))) {
    const source = readFileSync(join(lab.dir, file), "utf8");
    const chosen = regions.filter((r) => r.file === file);
    const stubbed = stubSource(source, file, lab, (r) => chosen.some((c) => c.start === r.start));
    writeFileSync(join(dest, file), stubbed);
  }
}

// The exercises whose regions the learner has written in: a region still
// holding only comments (the hints) and the stub's throw is not written yet. A file whose
// markers were edited away counts as written (there is no telling).
export function writtenExercises(course: Course, lab: Lab): string[] {
  const ws = workspacePath(course, lab);
  return lab.manifest.exercises
    .filter((ex) => {
      const path = join(ws, ex.file);
      if (!existsSync(path)) return false;
      const source = readFileSync(path, "utf8");
      const lines = source.split("\n");
      try {
        const mine = parseRegions(source, path).filter((r) => r.id === ex.id);
        if (mine.length === 0) return true;
        return mine.some((r) =>
          lines
            .slice(r.start + 1, r.end)
            .some((l) => l.trim() && !/^\s*\/\//.test(l) && !/^\s*throw new NotImplemented\(/.test(l)),
        );
      } catch {
        return true;
      }
    })
    .map((ex) => ex.id);
}

export type StartResult = { written: true; path: string } | { written: false; path: string };

// Never overwrites: if the learner already has a copy, nothing is written.
export function startLab(course: Course, lab: Lab): StartResult {
  const path = workspacePath(course, lab);
  if (existsSync(path)) return { written: false, path };
  try {
    writeStubbedCopy(lab, path);
  } catch (e) {
    // Nothing of the learner's was there: remove the half-written copy, or the
    // next `start` would take it for their work.
    if (existsSync(path)) rmSync(path, { recursive: true, force: true });
    throw fsUserError(e, { path, doing: "write the exercises to" }) ?? e;
  }
  return { written: true, path };
}

// Moves the learner's copy to workspace/.backups/<folder>-<timestamp>/, then
// writes a fresh one. The backup is made before anything is written.
export function resetLab(course: Course, lab: Lab, now = new Date()): { path: string; backup?: string } {
  const path = workspacePath(course, lab);
  let backup: string | undefined;
  if (existsSync(path)) {
    const stamp = now.toISOString().replace(/[:.]/g, "-");
    backup = join(course.workspaceDir, ".backups", `${lab.folder}-${stamp}`);
    makeDirs(join(course.workspaceDir, ".backups"));
    if (existsSync(backup))
      throw new UserError(`backup folder ${backup} already exists; wait a second and try again`);
    try {
      renameSync(path, backup);
    } catch (e) {
      throw fsUserError(e, { path, doing: "back up (nothing was changed) by moving" }) ?? e;
    }
  }
  try {
    writeStubbedCopy(lab, path);
  } catch (e) {
    // Put the learner's work back where it was before saying what failed.
    if (existsSync(path)) rmSync(path, { recursive: true, force: true });
    if (backup) renameSync(backup, path);
    throw fsUserError(e, { path, doing: "write a fresh copy (your work is back in place) to" }) ?? e;
  }
  return { path, backup };
}

// A lab's tsconfig.json extends "../../tsconfig.base.json", relative to where
// the lab sits. The copy sits elsewhere (workspace/, the verifier's scratch
// folder), so the path is rewritten to reach the same base file from there;
// left alone, every test file in the copy would fail to compile.
function retargetTsconfig(labDir: string, dest: string): void {
  const path = join(dest, "tsconfig.json");
  if (!existsSync(path)) return;
  const config = JSON.parse(readFileSync(path, "utf8")) as { extends?: string };
  if (typeof config.extends !== "string" || !config.extends.startsWith(".")) return;
  const base = resolve(labDir, config.extends);
  config.extends = relative(dest, base);
  writeFileSync(path, JSON.stringify(config, null, 2) + "\n");
}
