import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, relative } from "node:path";
import { z } from "zod";
import { fsUserError } from "@llm-labs/errors";
import { UserError } from "../errors.ts";
import { describeZodError } from "../manifest.ts";
import { barChart } from "../term/charts.ts";
import { maxOf, table } from "../term/table.ts";

// The room at a glance, from the files learners hand in
// (`npm run -s exercise -- status --json --name <who> > progress.json`).

// The shape `exercise status --json` prints; a file that is not this shape is
// refused with its name, never half-read.
export const ProgressReport = z.object({
  name: z.string().min(1),
  host: z.string(),
  labs: z.array(
    z.object({
      id: z.string().min(1),
      started: z.boolean(),
      checkedAt: z.string().nullable(),
      exercises: z.array(
        z.object({
          id: z.string().min(1),
          state: z.enum(["pass", "todo", "fail"]),
          hintsShown: z.number().int().min(0),
        }),
      ),
    }),
  ),
});
export type ProgressReport = z.infer<typeof ProgressReport>;

// Windows PowerShell 5 writes `>` redirections as UTF-16LE with a byte-order
// mark; other editors add a UTF-8 one. Both are read as the JSON they hold.
function decode(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// A learner's progress file is a few kB; one far bigger is something else
// (a log, a video) and is refused before it is read into memory.
export const MAX_PROGRESS_BYTES = 64_000_000;

export function readProgressFile(path: string): ProgressReport {
  const shown = relative(process.cwd(), path) || path;
  if (!existsSync(path)) throw new UserError(`${shown}: no such file`);
  const st = statSync(path);
  if (st.isDirectory())
    throw new UserError(`${shown} is a folder; pass the progress files in it, e.g. ${shown}/*.json`);
  if (st.size > MAX_PROGRESS_BYTES)
    throw new UserError(
      `${shown} is ${(st.size / 1e6).toFixed(0)} MB, above the ${MAX_PROGRESS_BYTES / 1e6} MB limit for a progress file (they are a few kB); is it the right file?`,
    );
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fsUserError(e, { path: shown, doing: "read" }) ?? e;
  }
  let text = decode(bytes);
  // `npm run` without -s puts its own "> llm-labs@0.1.0 exercise" lines first.
  const brace = text.indexOf("{");
  if (
    brace > 0 &&
    text
      .slice(0, brace)
      .split("\n")
      .every((l) => l.trim() === "" || l.startsWith(">"))
  )
    text = text.slice(brace);
  if (text.trim() === "")
    throw new UserError(
      `${shown} is empty; the learner should save it again with: npm run -s exercise -- status --json --name <who> > progress.json`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `${shown} is not valid JSON (${(e as Error).message}); it should be the output of: npm run -s exercise -- status --json`,
    );
  }
  const parsed = ProgressReport.safeParse(raw);
  if (!parsed.success)
    throw new UserError(`${shown} is not a progress file: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export interface LearnerRow {
  name: string;
  lab: string | undefined; // the lab they are on
  begun: boolean;
  passed: number;
  total: number;
  stuck: { exercise: string; state: "todo" | "fail"; hints: number } | undefined;
  checkedAt: string | null;
}

export interface ExerciseStat {
  lab: string;
  exercise: string;
  started: number; // learners who started the lab
  pass: number;
  fail: number;
  stuck: number; // learners for whom it is the first exercise not passing
}

export interface Room {
  learners: LearnerRow[];
  exercises: ExerciseStat[];
  failsMost: ExerciseStat | undefined;
}

type LabReport = ProgressReport["labs"][number];
const begun = (l: LabReport) => l.started || l.checkedAt !== null;
const firstOpen = (l: LabReport) => l.exercises.find((e) => e.state !== "pass");

// A learner is "on" the first lab they began and have not finished, or the
// last lab they began when everything passes.
function currentLab(r: ProgressReport, only?: string): LabReport | undefined {
  const labs = r.labs.filter((l) => (only ? l.id === only : begun(l)));
  return labs.find((l) => begun(l) && firstOpen(l)) ?? labs.filter(begun).at(-1) ?? labs[0];
}

export function summarize(reports: ProgressReport[], opts: { lab?: string } = {}): Room {
  const learners: LearnerRow[] = reports.map((r) => {
    const lab = currentLab(r, opts.lab);
    if (!lab || !begun(lab))
      return {
        name: r.name,
        lab: lab?.id,
        begun: false,
        passed: 0,
        total: lab?.exercises.length ?? 0,
        stuck: undefined,
        checkedAt: null,
      };
    const open = firstOpen(lab);
    return {
      name: r.name,
      lab: lab.id,
      begun: true,
      passed: lab.exercises.filter((e) => e.state === "pass").length,
      total: lab.exercises.length,
      stuck: open && { exercise: open.id, state: open.state as "todo" | "fail", hints: open.hintsShown },
      checkedAt: lab.checkedAt,
    };
  });

  const stats = new Map<string, ExerciseStat>();
  for (const r of reports) {
    for (const lab of r.labs) {
      if (opts.lab && lab.id !== opts.lab) continue;
      if (!begun(lab)) continue;
      const open = firstOpen(lab);
      for (const e of lab.exercises) {
        const key = `${lab.id}/${e.id}`;
        const s = stats.get(key) ?? { lab: lab.id, exercise: e.id, started: 0, pass: 0, fail: 0, stuck: 0 };
        s.started++;
        if (e.state === "pass") s.pass++;
        if (e.state === "fail") s.fail++;
        if (open === e) s.stuck++;
        stats.set(key, s);
      }
    }
  }
  const exercises = [...stats.values()];
  let failsMost: ExerciseStat | undefined;
  for (const s of exercises)
    if (
      s.fail > 0 &&
      (!failsMost || s.fail > failsMost.fail || (s.fail === failsMost.fail && s.stuck > failsMost.stuck))
    )
      failsMost = s;
  return { learners, exercises, failsMost };
}

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "never");

export function roomTable(room: Room): string {
  const rows = [...room.learners]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((l) => {
      const where = !l.begun
        ? "not started"
        : l.checkedAt === null
          ? "started, never checked"
          : l.stuck
            ? `${l.stuck.exercise} (${l.stuck.state === "fail" ? "failing" : "not written yet"})`
            : "done";
      return [l.name, l.lab ?? "—", `${l.passed}/${l.total}`, where, l.stuck?.hints ?? 0, when(l.checkedAt)];
    });
  return table(["learner", "lab", "passing", "stuck on", "hints", "last check"], rows);
}

export function roomReport(room: Room, files: number): string {
  const out = [roomTable(room), ""];
  if (room.exercises.length === 0) {
    out.push(`No one has checked a lab yet (${files} progress file${files === 1 ? "" : "s"}).`);
    return out.join("\n");
  }
  const f = room.failsMost;
  out.push(
    f
      ? `Fails most: ${f.lab}/${f.exercise}, failing for ${f.fail} of the ${f.started} learners who started ${f.lab} (${f.stuck} stuck there).`
      : "No exercise is failing: where learners stop, they have not written the code yet.",
  );
  out.push("", "Learners whose code fails each exercise:", "");
  out.push(barChart(failBars(room), { width: 30 }));
  return out.join("\n");
}

export function failBars(room: Room): { label: string; value: number }[] {
  const labs = new Set(room.exercises.map((e) => e.lab));
  return room.exercises.map((e) => ({
    label: labs.size > 1 ? `${e.lab}/${e.exercise}` : e.exercise,
    value: e.fail,
  }));
}

// Horizontal bars, so long exercise ids stay readable; the same data always
// gives the same bytes.
export function roomSvg(room: Room, title: string): string {
  const bars = failBars(room);
  const labelW = maxOf(
    bars.map((b) => b.label.length * 7 + 16),
    120,
  );
  const barH = 22;
  const W = labelW + 360;
  const H = 60 + bars.length * barH + 30;
  const max = maxOf(
    bars.map((b) => b.value),
    1,
  );
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const parts = [
    `<text x="${W / 2}" y="26" font-size="15" text-anchor="middle">${esc(title)}</text>`,
    `<line x1="${labelW}" y1="44" x2="${labelW}" y2="${44 + bars.length * barH}" stroke="#111827"/>`,
  ];
  bars.forEach((b, i) => {
    const y = 44 + i * barH;
    const w = Math.round((b.value / max) * 300 * 10) / 10;
    parts.push(
      `<text x="${labelW - 8}" y="${y + 15}" font-size="12" text-anchor="end">${esc(b.label)}</text>`,
    );
    if (w > 0)
      parts.push(`<rect x="${labelW}" y="${y + 4}" width="${w}" height="${barH - 8}" fill="#dc2626"/>`);
    parts.push(`<text x="${labelW + w + 6}" y="${y + 15}" font-size="12">${b.value}</text>`);
  });
  parts.push(
    `<text x="${labelW + 150}" y="${H - 10}" font-size="12" text-anchor="middle">learners whose code fails the exercise</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif">\n<rect width="${W}" height="${H}" fill="white"/>\n${parts.join("\n")}\n</svg>\n`;
}

export function uniqueNames(reports: ProgressReport[], files: string[]): ProgressReport[] {
  const count = new Map<string, number>();
  for (const r of reports) count.set(r.name, (count.get(r.name) ?? 0) + 1);
  return reports.map((r, i) =>
    count.get(r.name)! > 1 ? { ...r, name: `${r.name} (${basename(files[i])})` } : r,
  );
}
