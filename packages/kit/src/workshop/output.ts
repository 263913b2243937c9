import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { fsUserError, makeDirs } from "@llm-labs/errors";
import { UserError } from "../errors.ts";

// Where the workshop tools write. A handout folder may already hold a learner's
// or a teacher's edits, so an existing folder with anything in it is refused;
// with --force it is moved aside (never deleted) before anything is written.

// `root` (the course) may contain the output folder but not be it or lie inside
// it; `protect` (labs/, packages/, node_modules/) may not overlap it at all.
export function prepareOutDir(
  out: string,
  opts: { force?: boolean; root: string; protect: string[]; now?: Date },
): { path: string; backup?: string } {
  const path = resolve(out);
  const shown = relative(process.cwd(), path) || ".";
  const root = resolve(opts.root);
  for (const p of [root, ...opts.protect.map((x) => resolve(x))]) {
    const overlaps = path === p || p.startsWith(path + sep) || (p !== root && path.startsWith(p + sep));
    if (overlaps) {
      throw new UserError(
        `--out ${shown} is inside or around the course's own files (${relative(process.cwd(), p) || "."}); choose a folder of its own, e.g. --out ../handout`,
      );
    }
  }
  if (!existsSync(path)) {
    makeDirs(path); // not mkdirSync({ recursive }): under /proc that never returns
    return { path };
  }
  if (!statSync(path).isDirectory())
    throw new UserError(`--out ${shown} is a file, not a folder; choose another path`);
  if (readdirSync(path).length === 0) return { path };
  const stamp = (opts.now ?? new Date()).toISOString().replace(/[:.]/g, "-");
  const backup = `${path}.backup-${stamp}`;
  if (!opts.force) {
    throw new UserError(
      `--out ${shown} already exists and is not empty; choose another folder, or add --force to move it aside to ${relative(process.cwd(), backup)} first`,
    );
  }
  if (existsSync(backup))
    throw new UserError(
      `backup folder ${relative(process.cwd(), backup)} already exists; wait a second and try again`,
    );
  try {
    renameSync(path, backup);
  } catch (e) {
    throw fsUserError(e, { path: shown, doing: "move aside" }) ?? e;
  }
  try {
    mkdirSync(path);
  } catch (e) {
    throw fsUserError(e, { path: shown, doing: "create the folder" }) ?? e;
  }
  return { path, backup };
}
