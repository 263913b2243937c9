import { watch } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join, relative } from "node:path";
import type { Course } from "../course.ts";
import { UserError } from "../errors.ts";
import { loadProgress, recordCheck, saveProgress } from "../exercise/progress.ts";
import {
  type ExerciseResult,
  type SourceLocation,
  type Stopped,
  exerciseResults,
  runLabTests,
  sourceLocation,
  testFilesNaming,
} from "../exercise/run-tests.ts";
import { isStarted, resetLab, startLab, workspacePath, writtenExercises } from "../exercise/workspace.ts";
import { type Lab, findLab } from "../labs.ts";
import { bold, cyan, dim, green, red, yellow } from "../term/paint.ts";
import { labStatus, statusText } from "./home.ts";
import { parse } from "./args.ts";

export const EXERCISE_USAGE = "npm run exercise -- <start|check|watch|hint|reset|status> <lab>";

export async function exerciseCommand(course: Course, labs: Lab[], argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "start":
      return start(course, oneLab(labs, rest, "start"));
    case "check":
      return (await check(course, oneLab(labs, rest, "check"))).allPass ? 0 : 1;
    case "watch":
      return watchLab(course, oneLab(labs, rest, "watch"));
    case "hint":
      return hint(course, oneLab(labs, rest, "hint"));
    case "reset":
      return reset(course, oneLab(labs, rest, "reset"));
    case "status":
      return status(course, labs, rest);
    case undefined:
      throw new UserError(`missing subcommand; usage: ${EXERCISE_USAGE}`);
    default:
      throw new UserError(`unknown subcommand "${sub}"; usage: ${EXERCISE_USAGE}`);
  }
}

function oneLab(labs: Lab[], argv: string[], sub: string): Lab {
  const usage = `npm run exercise -- ${sub} <lab>`;
  const { positionals } = parse(argv, {}, usage);
  if (positionals.length === 0)
    throw new UserError(
      `missing lab id; usage: ${usage} (labs: ${labs.map((l) => l.id).join(", ") || "none yet"})`,
    );
  if (positionals.length > 1)
    throw new UserError(
      `one lab at a time, got ${positionals.length} (${positionals.join(" ")}); usage: ${usage}`,
    );
  return findLab(labs, positionals[0]);
}

function start(course: Course, lab: Lab): number {
  const r = startLab(course, lab);
  const rel = relative(course.root, r.path);
  if (!r.written) {
    console.log(`${lab.id} is already started: your work is in ${rel}/ and was left untouched.`);
    console.log(
      `To start over (your copy is backed up first): ${cyan(`npm run exercise -- reset ${lab.id}`)}`,
    );
    return 0;
  }
  console.log(`Wrote ${rel}/ with ${lab.manifest.exercises.length} exercises to write:`);
  for (const e of lab.manifest.exercises) console.log(`  ${e.id.padEnd(22)} ${rel}/${e.file}`);
  console.log(`\nRead labs/${lab.folder}/README.md, write the code where it says "#region exercise", then:`);
  console.log(
    `  ${cyan(`npm run exercise -- check ${lab.id}`)}   ${dim(`or  npm run exercise -- watch ${lab.id}  to re-check on every save`)}`,
  );
  return 0;
}

function requireStarted(course: Course, lab: Lab): void {
  if (!isStarted(course, lab))
    throw new UserError(`${lab.id} is not started yet; run: npm run exercise -- start ${lab.id}`);
}

async function check(
  course: Course,
  lab: Lab,
  quiet = false,
): Promise<{ allPass: boolean; results: ExerciseResult[] }> {
  requireStarted(course, lab);
  const src = join(workspacePath(course, lab), "src");
  if (!quiet)
    console.log(
      dim(`checking ${relative(course.root, src)}/ against ${relative(course.root, lab.dir)}/test/ …`),
    );
  const run = await runLabTests(course, lab, { srcDir: src, tag: "check" });
  if (run.stopped) {
    // Killed mid-run: nothing is known about the other exercises, and the
    // progress file keeps what the last complete check found.
    if (!quiet) printStopped(course, lab, run.stopped);
    const stuck = run.stopped.exercise;
    const results = lab.manifest.exercises.map(
      (e): ExerciseResult => ({ id: e.id, state: e.id === stuck ? "fail" : "todo", passed: 0, total: 0 }),
    );
    return { allPass: false, results };
  }
  const results = exerciseResults(lab, run, (id) => testFilesNaming(lab, id));
  recordCheck(course, lab.id, results);
  // A file of the learner's that cannot load (a syntax error) stops every
  // test that imports it: say where, once, instead of failing each exercise.
  const broken = results
    .map((r) => (r.blocked ? sourceLocation(r.blocked, src, lab.dir) : undefined))
    .find(Boolean);
  if (!quiet) printResults(course, lab, results, broken);
  return { allPass: results.every((r) => r.state === "pass"), results };
}

function printStopped(course: Course, lab: Lab, stop: Stopped): void {
  const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
  const ex =
    lab.manifest.exercises.find((e) => e.id === stop.exercise) ??
    lab.manifest.exercises.find((e) => testFilesNaming(lab, e.id).includes(stop.file));
  const what = stop.exercise ? `exercise ${stop.exercise}` : (ex?.id ?? lab.id);
  console.log(
    `  ${red("✗")} ${what}: stopped, ${stop.step} was still running after ${secs(stop.ranMs)} (its limit is ${secs(stop.limitMs)})`,
  );
  console.log(dim("    the run was stopped there, so the other exercises were not checked this time"));
  // The loop is in code the learner wrote (a stub throws at once): in the
  // running exercise's region if it is written, else in a written one its
  // test calls (gqa-group's test runs the learner's causal mask).
  const written = writtenExercises(course, lab);
  const suspects =
    ex && written.includes(ex.id) ? [ex] : lab.manifest.exercises.filter((e) => written.includes(e.id));
  const ws = relative(course.root, workspacePath(course, lab));
  const where = (suspects.length ? suspects : ex ? [ex] : [])
    .map((e) => `${e.title}, in ${ws}/${e.file}`)
    .join("; or ");
  console.log(
    `\n${bold("Next:")} ${where || "your code"}: is there a loop that never ends (a while whose condition never changes)?`,
  );
}

function printResults(course: Course, lab: Lab, results: ExerciseResult[], broken?: SourceLocation): void {
  const rel = (file: string) => relative(course.root, file);
  if (broken) {
    const at = [rel(broken.file), broken.line, broken.column].filter((x) => x !== undefined).join(":");
    console.log(`  ${red("✗")} ${at}: ${broken.what}`);
    for (const l of broken.frame.slice(0, 6)) console.log(`    ${l}`);
    console.log(
      dim("    every test that imports this file stops there, so its exercises were not checked\n"),
    );
  }
  const idWidth = Math.max(...lab.manifest.exercises.map((e) => e.id.length));
  const titleWidth = Math.max(...lab.manifest.exercises.map((e) => e.title.length));
  for (const r of results) {
    const ex = lab.manifest.exercises.find((e) => e.id === r.id)!;
    const blocked = broken && r.blocked;
    const mark = r.state === "pass" ? green("✓") : r.state === "todo" || blocked ? yellow("·") : red("✗");
    const note = blocked
      ? dim("not checked (see above)")
      : r.state === "todo"
        ? dim("not written yet")
        : r.state === "fail"
          ? red("failing")
          : "";
    console.log(
      `  ${mark} ${r.id.padEnd(idWidth)}  ${ex.title.padEnd(titleWidth)}  ${`${r.passed}/${r.total}`.padStart(5)} tests  ${note}`,
    );
  }
  const passing = results.filter((r) => r.state === "pass").length;
  const width = 24;
  const filled = Math.round((passing / Math.max(1, results.length)) * width);
  console.log(
    `\n  ${green("█".repeat(filled))}${"░".repeat(width - filled)} ${passing}/${results.length} exercises passing`,
  );
  if (broken) {
    const line = broken.line ? ` at line ${broken.line}` : "";
    const what = /unexpected|expected|syntax|parse/i.test(broken.what) ? "the syntax error" : "the error";
    console.log(`\n${bold("Next:")} fix ${what} in ${rel(broken.file)}${line}, then check again.`);
    return;
  }
  const first = results.find((r) => r.state !== "pass");
  if (!first) {
    console.log(
      `\n${green(bold(`All of ${lab.id} passes.`))} ${dim(`See the real thing run: npm run lab ${lab.id}`)}`,
    );
    return;
  }
  const ex = lab.manifest.exercises.find((e) => e.id === first.id)!;
  console.log(
    `\n${bold("Next:")} ${ex.title}, in ${relative(course.root, workspacePath(course, lab))}/${ex.file}`,
  );
  if (first.state === "fail" && first.firstFailure)
    console.log(indent(cleanFailure(first.firstFailure, course.root)));
  console.log(dim(`Stuck? npm run exercise -- hint ${lab.id}`));
}

// A failure message without the test runner's own stack frames: the learner
// needs the assertion and the line of their code, not vitest's internals.
export function cleanFailure(message: string, root: string): string {
  return message
    .split("\n")
    .filter((l) => !/node_modules|node:internal|new Promise \(<anonymous>\)/.test(l))
    .slice(0, 12)
    .map((l) => l.replaceAll(root + "/", ""))
    .join("\n");
}

const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => "    " + l)
    .join("\n");

async function watchLab(course: Course, lab: Lab): Promise<number> {
  requireStarted(course, lab);
  const src = join(workspacePath(course, lab), "src");
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const rerun = async () => {
    if (running) return void (again = true);
    running = true;
    if (process.stdout.isTTY) process.stdout.write("\x1b[2J\x1b[H");
    await check(course, lab);
    console.log(dim(`\nwatching ${relative(course.root, src)}/ — save a file to re-check, Ctrl-C to stop`));
    running = false;
    if (again) {
      again = false;
      void rerun();
    }
  };
  await rerun();
  // Editors save in bursts (write, rename, touch); wait for the burst to end.
  watch(src, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void rerun(), 300);
  });
  return new Promise<number>(() => {});
}

async function hint(course: Course, lab: Lab): Promise<number> {
  requireStarted(course, lab);
  console.log(dim("checking which exercise is next …"));
  const { results } = await check(course, lab, true);
  const first = results.find((r) => r.state !== "pass");
  if (!first) {
    console.log(green(`Every exercise of ${lab.id} passes; no hint needed.`));
    return 0;
  }
  const ex = lab.manifest.exercises.find((e) => e.id === first.id)!;
  const progress = loadProgress(course);
  const mine = progress.labs[lab.id];
  const shown = mine?.hintsShown[ex.id] ?? 0;
  const n = Math.min(shown + 1, ex.hints.length);
  if (mine) {
    mine.hintsShown[ex.id] = n;
    saveProgress(course, progress);
  }
  console.log(
    `${bold(ex.title)} ${dim(`(${lab.id}/${ex.id}, ${relative(course.root, workspacePath(course, lab))}/${ex.file})`)}`,
  );
  for (let i = 0; i < n; i++) console.log(`  hint ${i + 1}/${ex.hints.length}: ${ex.hints[i]}`);
  if (n < ex.hints.length) console.log(dim(`  run it again for the next hint`));
  return 0;
}

function reset(course: Course, lab: Lab): number {
  const r = resetLab(course, lab);
  if (r.backup) console.log(`Backed up your work to ${relative(course.root, r.backup)}/`);
  console.log(`Wrote a fresh ${relative(course.root, r.path)}/ with every exercise stubbed.`);
  return 0;
}

// The login name, or undefined where the system has none (a container without /etc/passwd).
function whoAmI(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function status(course: Course, labs: Lab[], argv: string[]): number {
  const usage = "npm run exercise -- status [lab] [--json] [--name <who>]";
  const { values, positionals } = parse(argv, { json: { type: "boolean" }, name: { type: "string" } }, usage);
  if (positionals.length > 1) throw new UserError(`at most one lab; usage: ${usage}`);
  const chosen = positionals.length ? [findLab(labs, positionals[0])] : labs;
  const progress = loadProgress(course);
  if (values.json) {
    // `workshop summary` refuses a file without a name: refuse to write one.
    const name = values.name ?? (process.env.LLM_LABS_NAME || whoAmI());
    if (!name?.trim())
      throw new UserError(`no name for the progress file: pass --name <who>; usage: ${usage}`);
    const report = {
      name,
      host: hostname(),
      labs: chosen.map((lab) => {
        const p = progress.labs[lab.id];
        return {
          id: lab.id,
          started: isStarted(course, lab),
          checkedAt: p?.checkedAt ?? null,
          exercises: lab.manifest.exercises.map((e) => ({
            id: e.id,
            state: p?.exercises.find((x) => x.id === e.id)?.state ?? "todo",
            hintsShown: p?.hintsShown[e.id] ?? 0,
          })),
        };
      }),
    };
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  for (const lab of chosen) {
    const p = progress.labs[lab.id];
    console.log(
      `${bold(lab.id)}: ${statusText(labStatus(course, lab, p))}${p ? dim(`  (last check ${p.checkedAt})`) : ""}`,
    );
    for (const e of p ? lab.manifest.exercises : []) {
      const s = p.exercises.find((x) => x.id === e.id)?.state ?? "todo";
      console.log(`  ${s === "pass" ? green("✓") : s === "fail" ? red("✗") : yellow("·")} ${e.id}`);
    }
  }
  return 0;
}
