import { writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Course } from "../course.ts";
import { fsUserError } from "@llm-labs/errors";
import { UserError, suggest } from "../errors.ts";
import type { Lab } from "../labs.ts";
import { writeSvg } from "../svg/plot.ts";
import { bold, cyan, dim, green } from "../term/paint.ts";
import { writeHandout } from "../workshop/handout.ts";
import { prepareOutDir } from "../workshop/output.ts";
import { DEFAULT_PLAN, agendaHtml, agendaMarkdown, parseClock, planDay } from "../workshop/plan.ts";
import { parseLabList, selectLabs } from "../workshop/select.ts";
import {
  type ProgressReport,
  readProgressFile,
  roomReport,
  roomSvg,
  summarize,
  uniqueNames,
} from "../workshop/summary.ts";
import { parse } from "./args.ts";

// `npm run workshop -- plan | handout | summary`: what a teacher runs before,
// for and after a day of labs. See docs/teaching-a-workshop.md.

export const WORKSHOP_USAGE = "npm run workshop -- <plan|handout|summary> …";
const PLAN_USAGE =
  "npm run workshop -- plan --labs <ids> [--only] [--start 09:00] [--day-end 17:30] [--out <dir> [--force]]";
const HANDOUT_USAGE = "npm run workshop -- handout --labs <ids> --out <dir> [--only] [--force]";
const SUMMARY_USAGE = "npm run workshop -- summary <progress.json…> [--lab <id>] [--svg <file>]";

export async function workshopCommand(course: Course, labs: Lab[], argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "plan":
      return plan(course, labs, rest);
    case "handout":
      return handout(course, labs, rest);
    case "summary":
      return summary(labs, rest);
    case undefined:
      throw new UserError(`missing subcommand; usage: ${WORKSHOP_USAGE}`);
    default:
      throw new UserError(`unknown subcommand "${sub}"; usage: ${WORKSHOP_USAGE}`);
  }
}

const labFlags = { labs: { type: "string", multiple: true }, only: { type: "boolean" } } as const;

function plan(course: Course, labs: Lab[], argv: string[]): number {
  const { values, positionals } = parse(
    argv,
    {
      ...labFlags,
      start: { type: "string" },
      "day-end": { type: "string" },
      out: { type: "string" },
      force: { type: "boolean" },
    },
    PLAN_USAGE,
  );
  if (positionals.length)
    throw new UserError(`unexpected "${positionals.join(" ")}"; name labs with --labs; usage: ${PLAN_USAGE}`);
  const selection = selectLabs(labs, parseLabList(values.labs, PLAN_USAGE), { only: values.only });
  const opts = { ...DEFAULT_PLAN };
  if (values.start) opts.start = parseClock("start", values.start);
  if (values["day-end"]) opts.dayEnd = parseClock("day-end", values["day-end"]);
  const markdown = agendaMarkdown(planDay(selection, opts));
  if (!values.out) {
    console.log(markdown);
    return 0;
  }
  const out = prepareOutDir(values.out, {
    force: values.force,
    root: course.root,
    protect: [course.labsDir, join(course.root, "packages"), course.workspaceDir],
  });
  if (out.backup) console.log(`Moved the old ${rel(out.path)}/ aside to ${rel(out.backup)}/`);
  for (const [name, text] of [
    ["agenda.md", markdown + "\n"],
    ["agenda.html", agendaHtml(markdown)],
  ]) {
    try {
      writeFileSync(join(out.path, name), text);
    } catch (e) {
      throw fsUserError(e, { path: rel(join(out.path, name)), doing: "write" }) ?? e;
    }
  }
  console.log(
    `Wrote ${rel(join(out.path, "agenda.md"))} and ${rel(join(out.path, "agenda.html"))} (open the HTML to print).`,
  );
  for (const a of selection.added)
    console.log(dim(`  added ${a.lab.id}: a prerequisite of ${a.neededBy.id}`));
  return 0;
}

function handout(course: Course, labs: Lab[], argv: string[]): number {
  const { values, positionals } = parse(
    argv,
    { ...labFlags, out: { type: "string" }, force: { type: "boolean" } },
    HANDOUT_USAGE,
  );
  if (positionals.length)
    throw new UserError(
      `unexpected "${positionals.join(" ")}"; name labs with --labs; usage: ${HANDOUT_USAGE}`,
    );
  const names = parseLabList(values.labs, HANDOUT_USAGE);
  if (!values.out)
    throw new UserError(
      `--out <dir> is required: the folder to write the handout to; usage: ${HANDOUT_USAGE}`,
    );
  const selection = selectLabs(labs, names, { only: values.only });
  const r = writeHandout(course, labs, selection, values.out, { force: values.force });
  if (r.backup)
    console.log(`Moved the old ${rel(r.path)}/ aside to ${rel(r.backup)}/ (nothing was deleted).`);
  console.log(
    `Wrote ${bold(rel(r.path) + "/")}: ${r.labs.length} lab${r.labs.length === 1 ? "" : "s"}, ${r.regions} exercise regions stubbed (hints kept), tests and READMEs included, teacher notes left out.`,
  );
  for (const l of r.labs) console.log(`  labs/${l.folder}/  ${l.manifest.exercises.length} exercises`);
  for (const a of selection.added)
    console.log(dim(`  added ${a.lab.id}: a prerequisite of ${a.neededBy.id} (use --only to leave it out)`));
  if (r.dependencies.length)
    console.log(
      `Included as finished code, because a lab above imports it: ${r.dependencies.map((d) => d.id).join(", ")}`,
    );
  console.log(`Packages: ${r.packages.join(", ")}`);
  console.log(green("✓ no solution code: no stubbed region's reference body is in any file of the handout"));
  console.log(
    `\nEach learner: ${cyan("npm install")}, ${cyan("npm run doctor")}, then ${rel(join(r.path, "HOW-TO-CHECK.md"))}.`,
  );
  return 0;
}

function summary(labs: Lab[], argv: string[]): number {
  const { values, positionals } = parse(
    argv,
    { lab: { type: "string" }, svg: { type: "string" } },
    SUMMARY_USAGE,
  );
  if (positionals.length === 0) throw new UserError(`no progress files given; usage: ${SUMMARY_USAGE}`);
  const files = [...new Set(positionals.map((p) => resolve(p)))];
  const reports = uniqueNames(files.map(readProgressFile), files);
  const lab = values.lab ? labInRoom(labs, reports, values.lab) : undefined;
  const room = summarize(reports, { lab });
  console.log(
    `${bold("The room")}: ${reports.length} learner${reports.length === 1 ? "" : "s"}${lab ? `, lab ${lab}` : ""}\n`,
  );
  console.log(roomReport(room, files.length));
  if (values.svg) {
    if (room.exercises.length === 0)
      throw new UserError(`nothing to plot in ${values.svg}: no one has checked a lab yet`);
    writeSvg(
      values.svg,
      roomSvg(room, `Learners whose code fails each exercise (${reports.length} in the room)`),
    );
    console.log(`\nWrote ${rel(resolve(values.svg))}`);
  }
  return 0;
}

// --lab names a lab of the course (id, folder or number) or, for files from
// another copy of the course, any lab id the files mention.
function labInRoom(labs: Lab[], reports: ProgressReport[], name: string): string {
  const inRoom = [...new Set(reports.flatMap((r) => r.labs.map((l) => l.id)))];
  if (inRoom.includes(name)) return name;
  const known = labs.find(
    (l) => l.id === name || l.folder === name || String(l.manifest.order) === String(Number(name)),
  );
  if (known && inRoom.includes(known.id)) return known.id;
  const guess = suggest(name, inRoom);
  throw new UserError(
    `no progress file mentions lab "${name}"${guess ? `; did you mean "${guess}"?` : ""} (labs in these files: ${inRoom.join(", ") || "none"})`,
  );
}

const rel = (p: string) => relative(process.cwd(), p) || ".";
