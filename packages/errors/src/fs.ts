import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "./index.ts";

// A file-system error (ENOENT, EACCES, …) as the one line a user can act on:
// what could not be done, to which path, why, and what to do about it. Node's
// own message ("EACCES: permission denied, open '/x'") names the path but not
// the remedy, and arrives with a stack trace.

const REASONS: Record<string, [why: string, todo: string]> = {
  ENOENT: ["it does not exist", "check the path"],
  EACCES: ["permission denied", "check its permissions (ls -l) or choose another path"],
  EPERM: ["the operating system does not allow it", "check its permissions or choose another path"],
  EISDIR: ["it is a folder, not a file", "give the path of a file"],
  ENOTDIR: ["a part of the path is a file, not a folder", "choose a path whose parents are folders"],
  EROFS: ["the disk is read-only", "choose a path on a writable disk"],
  ENOSPC: ["the disk is full", "free some space and try again"],
  EDQUOT: ["the disk quota is used up", "free some space and try again"],
  EEXIST: ["something is already there", "move it away or choose another path"],
  ENOTEMPTY: ["the folder is not empty", "move it away or choose another path"],
  EBUSY: ["it is in use", "close what holds it (an editor, a terminal inside the folder) and try again"],
  EXDEV: ["the two paths are on different disks", "keep both on one disk"],
  ENAMETOOLONG: ["the path is too long", "choose a shorter path"],
  ELOOP: ["it is a loop of symbolic links", "fix the links or choose another path"],
  EMFILE: ["too many files are open", "close some programs and try again"],
  ENFILE: ["too many files are open", "close some programs and try again"],
  EINVAL: [
    "the operating system refused it (is this a special file system such as /proc?)",
    "choose another path",
  ],
  EIO: ["the disk reported an input/output error", "check the disk"],
};

const VERBS: Record<string, string> = {
  open: "open",
  read: "read",
  write: "write",
  close: "close",
  mkdir: "create the folder",
  rmdir: "remove the folder",
  rm: "remove",
  unlink: "delete",
  rename: "move",
  copyfile: "copy",
  cp: "copy",
  scandir: "list the folder",
  opendir: "list the folder",
  stat: "read",
  lstat: "read",
  access: "reach",
  utime: "touch",
  chmod: "change the permissions of",
  symlink: "link",
  readlink: "read the link",
};

interface SystemError {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

function isSystemError(e: unknown): e is Error & SystemError {
  return e instanceof Error && typeof (e as Partial<SystemError>).code === "string";
}

/**
 * The UserError for a file-system error, or undefined if `err` is not one
 * (a bug stays a bug). `path` overrides the error's own path, `doing` its
 * verb ("write the handout to").
 */
export function fsUserError(
  err: unknown,
  opts: { path?: string; doing?: string } = {},
): UserError | undefined {
  if (err instanceof UserError) return err;
  if (!isSystemError(err)) return undefined;
  const reason = REASONS[err.code];
  if (reason === undefined || (err.syscall === undefined && opts.path === undefined)) return undefined;
  const path = opts.path ?? err.path ?? "(unknown path)";
  const verb = opts.doing ?? VERBS[err.syscall ?? ""] ?? err.syscall ?? "use";
  const to = err.dest && !opts.path ? ` to ${err.dest}` : "";
  return new UserError(`cannot ${verb} ${path}${to}: ${reason[0]} (${err.code}); ${reason[1]}`);
}

/**
 * mkdir -p that cannot hang and fails in one line. Node's recursive mkdir
 * loops forever under /proc (mkdir there says ENOENT, the parent exists, it
 * retries); here each missing folder is made once, from the nearest existing
 * one down, and a parent that is a file is named.
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  if (existsSync(p) && !statSync(p).isDirectory())
    throw new UserError(
      `cannot create the folder ${path}: ${p} is a file, not a folder; choose another path`,
    );
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as { code?: string }).code === "EEXIST" && statSync(dir).isDirectory()) continue;
      if ((e as { code?: string }).code === "ENOENT")
        throw new UserError(
          `cannot create the folder ${dir}: ${dirname(dir)} does not take new folders (a special file system such as /proc?); choose another path`,
        );
      throw fsUserError(e, { path: dir, doing: "create the folder" }) ?? e;
    }
  }
}
