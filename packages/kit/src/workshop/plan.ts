import MarkdownIt from "markdown-it";
import { UserError } from "../errors.ts";
import type { Lab } from "../labs.ts";
import { notesLine } from "./notes.ts";
import type { Selection } from "./select.ts";

// The day's agenda, from the manifests' `minutes`. A few rules a teacher would
// apply by hand: nobody concentrates for more than 90 minutes without a break,
// lunch is the first break after noon, a day that would run past the end time
// continues on the next day, and every day starts with `npm run doctor` and
// ends with collecting the room's progress.

export interface PlanOptions {
  start: number; // minutes after midnight, 09:00 = 540
  dayEnd: number;
  maxBlock: number; // longest stretch without a break
  breakMinutes: number;
  lunchAt: number; // the first break at or after this becomes lunch
  lunchMinutes: number;
}

export const DEFAULT_PLAN: PlanOptions = {
  start: 9 * 60,
  dayEnd: 17 * 60 + 30,
  maxBlock: 90,
  breakMinutes: 15,
  lunchAt: 12 * 60,
  lunchMinutes: 60,
};

export type Slot =
  | { kind: "setup" | "wrap-up" | "break" | "lunch"; start: number; minutes: number }
  | { kind: "lab"; start: number; minutes: number; lab: Lab; part: number; parts: number };

export interface Agenda {
  days: Slot[][];
  labMinutes: number;
  selection: Selection;
}

const SETUP = 15;
const WRAP_UP = 15;

// "09:30" → 570
export function parseClock(flag: string, value: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59)
    throw new UserError(`--${flag} must be a time like 09:00, got "${value}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export const clock = (t: number) =>
  `${String(Math.floor(t / 60) % 24).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;

// 150 minutes with a 90-minute limit → two parts of 75, not 90 + 60: equal
// halves leave room to finish an exercise before the break.
export function splitMinutes(minutes: number, maxBlock: number): number[] {
  const parts = Math.ceil(minutes / maxBlock);
  const base = Math.floor(minutes / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < minutes - base * parts ? 1 : 0));
}

export function planDay(selection: Selection, opts: PlanOptions = DEFAULT_PLAN): Agenda {
  if (opts.dayEnd <= opts.start + SETUP + WRAP_UP)
    throw new UserError(
      `the day must end well after it starts (${clock(opts.start)} to ${clock(opts.dayEnd)})`,
    );
  const days: Slot[][] = [];
  let day: Slot[] = [];
  let t = opts.start;
  let hadLunch = false;
  const push = (s: Slot) => {
    day.push(s);
    t = s.start + s.minutes;
  };
  const newDay = () => {
    t = opts.start;
    hadLunch = false;
    day = [];
    days.push(day);
    push({ kind: "setup", start: t, minutes: SETUP });
  };
  newDay();
  for (const lab of selection.labs) {
    const parts = splitMinutes(lab.manifest.minutes, opts.maxBlock);
    parts.forEach((minutes, i) => {
      const last = day[day.length - 1];
      if (last.kind === "lab") {
        // A break before every block but the day's first.
        const lunch = !hadLunch && t >= opts.lunchAt;
        hadLunch ||= lunch;
        const pause = lunch ? opts.lunchMinutes : opts.breakMinutes;
        if (t + pause + minutes + WRAP_UP > opts.dayEnd) {
          push({ kind: "wrap-up", start: t, minutes: WRAP_UP });
          newDay();
        } else {
          push({ kind: lunch ? "lunch" : "break", start: t, minutes: pause });
        }
      }
      push({ kind: "lab", start: t, minutes, lab, part: i + 1, parts: parts.length });
    });
  }
  push({ kind: "wrap-up", start: t, minutes: WRAP_UP });
  return { days, labMinutes: selection.labs.reduce((n, l) => n + l.manifest.minutes, 0), selection };
}

const hours = (m: number) =>
  m >= 60 ? `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}` : `${m} min`;
const cmd = (s: string) => `\`${s}\``;

function slotText(s: Slot): [string, string] {
  switch (s.kind) {
    case "setup":
      return [
        "setup",
        `Welcome. Every laptop runs ${cmd("npm run doctor")}; fix any ✗ line before starting (it says how).`,
      ];
    case "break":
      return ["break", "Break"];
    case "lunch":
      return ["lunch", "Lunch"];
    case "wrap-up":
      return [
        "wrap-up",
        `Everyone runs ${cmd('npm run -s exercise -- status --json --name "<your name>" > progress-<your name>.json')} and hands in the file; ` +
          `${cmd("npm run workshop -- summary progress-*.json")} shows the room. What was hard, what to read next.`,
      ];
    case "lab": {
      const m = s.lab.manifest;
      const part = s.parts > 1 ? ` (part ${s.part} of ${s.parts})` : "";
      const what =
        s.part === 1
          ? `talk with the board figure, then ${cmd(`npm run exercise -- start ${m.id}`)}`
          : `exercises, ${cmd(`npm run exercise -- check ${m.id}`)}`;
      const tail = s.part === s.parts ? `; close with ${cmd(`npm run lab ${m.id}`)} (the demo)` : "";
      return [`lab ${m.order}`, `**${m.title}**${part}: ${what}${tail}`];
    }
  }
}

export function agendaMarkdown(agenda: Agenda): string {
  const { labs, added } = agenda.selection;
  const out: string[] = [];
  const title = labs.map((l) => l.manifest.title).join(" · ");
  out.push(`# Workshop: ${title}`, "");
  const first = agenda.days[0][0];
  const lastDay = agenda.days[agenda.days.length - 1];
  const end = lastDay[lastDay.length - 1];
  const span =
    agenda.days.length === 1
      ? `${clock(first.start)}–${clock(end.start + end.minutes)}`
      : `${agenda.days.length} days`;
  out.push(
    `${labs.length} lab${labs.length === 1 ? "" : "s"}, ${hours(agenda.labMinutes)} of lab time (from the labs' manifests), ${span}.`,
    "",
  );
  if (added.length) {
    out.push("Added because a chosen lab needs it first:", "");
    for (const a of added)
      out.push(`- ${a.lab.manifest.title} (${a.lab.id}), a prerequisite of ${a.neededBy.id}`);
    out.push("");
  }

  out.push("## Before the day", "");
  out.push(
    `- Learners: get the course (a clone, or the teacher's handout folder), run ${cmd("npm install")} and then ${cmd("npm run doctor")}; every line should be ✓. A ✗ line says what to fix.`,
  );
  out.push(
    `- Learners: read the readings below (${readingCount(labs)} in all; the seed articles are in Chinese, the papers in English; each lab's README says which section each one goes with).`,
  );
  out.push(
    `- Teacher: make the handout with ${cmd(`npm run workshop -- handout --labs ${labs.map((l) => l.id).join(",")} --out ../handout`)} and read each lab's INSTRUCTOR.md (common mistakes, the figure for the board).`,
  );
  out.push("");

  agenda.days.forEach((day, d) => {
    out.push(agenda.days.length > 1 ? `## Agenda, day ${d + 1}` : "## Agenda", "");
    out.push("| time | | |", "| --- | --- | --- |");
    for (const s of day) {
      const [kind, text] = slotText(s);
      out.push(`| ${clock(s.start)}–${clock(s.start + s.minutes)} | ${kind} | ${text} |`);
    }
    out.push("");
  });

  out.push("## The labs", "");
  labs.forEach((lab) => {
    const m = lab.manifest;
    out.push(`### Lab ${m.order}: ${m.title} (${m.minutes} min)`, "");
    out.push(m.summary, "");
    out.push(`Concepts: ${m.concepts.join(", ")}.`, "");
    out.push(notesLine(lab), "");
    if (m.exercises.length) {
      out.push(`Exercises, in order (${m.exercises.length}):`, "");
      for (const e of m.exercises) out.push(`- \`${e.id}\`: ${e.title} (${e.file})`);
    } else {
      out.push("This lab has no exercises yet: read and run the demo.");
    }
    out.push("");
  });

  out.push("## Readings to assign before the day", "");
  for (const lab of labs) {
    out.push(`### ${lab.manifest.title}`, "");
    for (const r of lab.manifest.readings)
      out.push(`- [${r.title}](${r.url}) (${sourceName(r.source)})${r.note ? `: ${r.note}` : ""}`);
    out.push("");
  }
  return out.join("\n");
}

const readingCount = (labs: Lab[]) => labs.reduce((n, l) => n + l.manifest.readings.length, 0);

function sourceName(source: string): string {
  return source === "seed:llm-resource"
    ? "llm-resource list"
    : source === "seed:llm-action"
      ? "llm-action list"
      : source;
}

// The same agenda as one printable HTML page.
export function agendaHtml(markdown: string): string {
  const md = new MarkdownIt({ html: false, linkify: true });
  const title = /^# (.*)$/m.exec(markdown)?.[1] ?? "Workshop";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${md.utils.escapeHtml(title)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #111827; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #e5e7eb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
  code { background: #f3f4f6; padding: 0 .2rem; border-radius: 3px; }
  @media print { body { margin: 0; font-size: 11pt; } a { color: inherit; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
</style>
</head>
<body>
${md.render(markdown)}</body>
</html>
`;
}
