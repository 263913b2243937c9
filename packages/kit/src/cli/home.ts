import { relative } from "node:path";
import type { Course } from "../course.ts";
import type { LabProgress } from "../exercise/progress.ts";
import { loadProgress } from "../exercise/progress.ts";
import { isStarted, workspacePath } from "../exercise/workspace.ts";
import type { Lab } from "../labs.ts";
import { table } from "../term/table.ts";
import { bold, cyan, dim, green } from "../term/paint.ts";

export type LabStatus =
  | { kind: "not-started" }
  | { kind: "unchecked" }
  | { kind: "in-progress"; passing: number; total: number; next: string }
  | { kind: "done"; total: number };

export function labStatus(course: Course, lab: Lab, progress: LabProgress | undefined): LabStatus {
  if (!isStarted(course, lab)) return { kind: "not-started" };
  if (!progress) return { kind: "unchecked" };
  const total = lab.manifest.exercises.length;
  const passing = lab.manifest.exercises.filter(
    (e) => progress.exercises.find((x) => x.id === e.id)?.state === "pass",
  ).length;
  if (passing === total) return { kind: "done", total };
  const next = lab.manifest.exercises.find(
    (e) => progress.exercises.find((x) => x.id === e.id)?.state !== "pass",
  )!.id;
  return { kind: "in-progress", passing, total, next };
}

export function statusText(s: LabStatus): string {
  switch (s.kind) {
    case "not-started":
      return "not started";
    case "unchecked":
      return "started, not checked yet";
    case "in-progress":
      return `${s.passing} of ${s.total} exercises passing ${bar(s.passing, s.total)}`;
    case "done":
      return green(`done ${bar(s.total, s.total)}`);
  }
}

const bar = (n: number, total: number) => "█".repeat(n) + "░".repeat(Math.max(0, total - n));

// The one next thing to do, as a command the learner can paste.
export function nextStep(course: Course, labs: Lab[]): string {
  const progress = loadProgress(course);
  for (const lab of labs) {
    const s = labStatus(course, lab, progress.labs[lab.id]);
    const where = `labs/${lab.folder}/README.md`;
    if (s.kind === "not-started") {
      return `read ${where}, then start the exercises:\n  ${cyan(`npm run exercise -- start ${lab.id}`)}`;
    }
    if (s.kind === "unchecked")
      return `write the first exercise, then check it:\n  ${cyan(`npm run exercise -- check ${lab.id}`)}`;
    if (s.kind === "in-progress") {
      const ex = lab.manifest.exercises.find((e) => e.id === s.next)!;
      return `exercise "${ex.id}" (${ex.title}) in ${relative(course.root, workspacePath(course, lab))}/${ex.file}, then:\n  ${cyan(`npm run exercise -- check ${lab.id}`)}   ${dim(`(stuck? npm run exercise -- hint ${lab.id})`)}`;
    }
  }
  return "every lab is done. Try the benchmarks: npm run bench";
}

export function home(course: Course, labs: Lab[]): string {
  const out = [
    bold("LLM Labs") +
      ": build the pieces of a language model in TypeScript, then prove them against the real thing.",
    "",
  ];
  if (labs.length === 0) {
    out.push("No labs yet: the course is still being written. Run the tests with `npm test`.");
    return out.join("\n");
  }
  const progress = loadProgress(course);
  const rows = labs.map((lab) => [
    lab.manifest.order,
    lab.id,
    lab.manifest.title,
    lab.manifest.exercises.length,
    statusText(labStatus(course, lab, progress.labs[lab.id])),
  ]);
  out.push(table(["#", "id", "lab", "exercises", "status"], rows), "");
  out.push(`${bold("Next:")} ${nextStep(course, labs)}`, "");
  out.push(
    dim(
      "Commands: npm run lab <id> (the demo) · npm run exercise -- start|check|watch|hint|reset|status <id> · npm test · npm run docs (the course as a website) · npm run doctor (is this machine ready?)",
    ),
  );
  return out.join("\n");
}
