import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Course } from "../course.ts";
import { UserError } from "../errors.ts";
import { workspacePath } from "../exercise/workspace.ts";
import { type Lab, findLab } from "../labs.ts";
import { parse } from "./args.ts";

const USAGE = "npm run lab <id> [-- --mine]";

// Runs a lab's demo: the reference solution by default, the learner's own copy
// with --mine (after `npm run exercise -- start`).
export async function labCommand(course: Course, labs: Lab[], argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { mine: { type: "boolean" } }, USAGE);
  if (positionals.length === 0)
    throw new UserError(
      `missing lab id; usage: ${USAGE} (labs: ${labs.map((l) => l.id).join(", ") || "none yet"})`,
    );
  if (positionals.length > 1)
    throw new UserError(`one lab at a time, got "${positionals.join(" ")}"; usage: ${USAGE}`);
  const lab = findLab(labs, positionals[0]);
  const base = values.mine ? workspacePath(course, lab) : lab.dir;
  const demo = join(base, "src", "demo.ts");
  if (!existsSync(demo)) {
    throw new UserError(
      values.mine
        ? `no ${demo}: start the lab first with npm run exercise -- start ${lab.id}`
        : `lab ${lab.id} has no src/demo.ts`,
    );
  }
  await import(pathToFileURL(demo).href);
  return 0;
}
