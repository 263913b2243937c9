import { join } from "node:path";
import { type Course, defaultCourse, isInstalled } from "../course.ts";
import { UserError } from "../errors.ts";
import { discoverLabs } from "../labs.ts";
import { exerciseCommand } from "./exercise.ts";
import { home } from "./home.ts";
import { labCommand } from "./lab.ts";
import { runScript } from "./run-script.ts";

// The course CLI behind `npm start`, `npm run lab` and `npm run exercise`.
// A user's mistake is one red line and exit code 2; a bug keeps its stack.

const USAGE = "npm start | npm run lab <id> | npm run exercise -- <start|check|watch|hint|reset|status> <lab>";

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

export async function main(argv: string[], course: Course = courseFromEnv()): Promise<number> {
  if (!isInstalled(course.root)) throw new UserError(`dependencies are not installed; run: npm install (in ${course.root})`);
  const [command, ...rest] = argv;
  const labs = discoverLabs(course);
  switch (command) {
    case "home":
      console.log(home(course, labs));
      return 0;
    case "lab":
      return labCommand(course, labs, rest);
    case "exercise":
      return exerciseCommand(course, labs, rest);
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
