import { join } from "node:path";
import { type Course, defaultCourse, isInstalled } from "../course.ts";
import { UserError } from "../errors.ts";
import { discoverLabs, findLab } from "../labs.ts";
import {
  handoutCourse,
  handoutLabs,
  handoutReset,
  handoutStart,
  readHandoutInfo,
} from "../workshop/handout-mode.ts";
import { exerciseCommand } from "./exercise.ts";
import { home } from "./home.ts";
import { labCommand } from "./lab.ts";
import { parse } from "./args.ts";
import { runScript } from "./run-script.ts";
import { workshopCommand } from "./workshop.ts";

// The course CLI behind `npm start`, `npm run lab`, `npm run exercise` and
// `npm run workshop`.
// A user's mistake is one red line and exit code 2; a bug keeps its stack.

const USAGE =
  "npm start | npm run lab <id> | npm run exercise -- <start|check|watch|hint|reset|status> <lab> | npm run workshop -- <plan|handout|summary>";

const HOME_USAGE = "npm start (no flags; the other commands: npm run lab <id>, npm run exercise -- …)";

// The kit's own tests point the CLI at fixture labs through these variables.
function courseFromEnv(): Course {
  const c = defaultCourse();
  return {
    ...c,
    labsDir: process.env.LLM_LABS_LABS_DIR ?? c.labsDir,
    workspaceDir: process.env.LLM_LABS_WORKSPACE_DIR ?? c.workspaceDir,
    scratchDir: process.env.LLM_LABS_SCRATCH_DIR ?? c.scratchDir,
  };
}

export async function main(argv: string[], given: Course = courseFromEnv()): Promise<number> {
  if (!isInstalled(given.root))
    throw new UserError(`dependencies are not installed; run: npm install (in ${given.root})`);
  const [command, ...rest] = argv;
  // A workshop handout (handout.json at its root) is worked in place.
  const handout = readHandoutInfo(given.root);
  const course = handout ? handoutCourse(given) : given;
  const all = discoverLabs(course);
  const labs = handout ? handoutLabs(all, handout) : all;
  if (
    handout &&
    command === "exercise" &&
    (rest[0] === "start" || rest[0] === "reset") &&
    rest.length === 2 &&
    !rest[1].startsWith("-")
  ) {
    const lab = findLab(labs, rest[1]);
    return rest[0] === "start" ? handoutStart(course, lab) : handoutReset(course, lab);
  }
  switch (command) {
    case "home": {
      // `npm start` takes nothing: a flag meant for another command is refused, not ignored.
      const { positionals } = parse(rest, {}, HOME_USAGE);
      if (positionals.length)
        throw new UserError(`unexpected "${positionals.join(" ")}"; usage: ${HOME_USAGE}`);
      console.log(home(course, labs));
      return 0;
    }
    case "lab":
      return labCommand(course, labs, rest).catch((e: unknown) => {
        // A demo run on unfinished exercises: say which, not where in the stack.
        if (e instanceof Error && e.name === "NotImplemented") {
          throw new UserError(
            `the demo needs exercise ${(e as Error & { exercise?: string }).exercise ?? "?"}, which is not written yet; see what passes with: npm run exercise -- check ${rest[0] ?? "<lab>"}`,
          );
        }
        throw e;
      });
    case "exercise":
      return exerciseCommand(course, labs, rest);
    case "workshop":
      return workshopCommand(course, all, rest);
    default:
      throw new UserError(`unknown command "${command ?? ""}"; usage: ${USAGE}`);
  }
}

export function runCli(argv: string[]): void {
  runScript(async () => {
    // `watch` never resolves; every other command ends here.
    process.exitCode = await main(argv);
  });
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith(join("cli", "main.ts"))) {
  runCli(process.argv.slice(2));
}
