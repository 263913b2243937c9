import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { sourceFiles } from "./exercise/workspace.ts";
import type { Lab } from "./labs.ts";

// The one shape of a lab, written out in docs/authoring-a-lab.md and checked
// here, so that lab 16 reads like lab 1. checkSkeleton returns one line per
// problem, each naming the file and what to change; [] means the lab fits.

// Files every lab has (bench/ and data/ are optional).
export const REQUIRED_FILES = [
  "package.json",
  "README.md",
  "INSTRUCTOR.md",
  "tsconfig.json",
  "vitest.config.ts",
  "src/index.ts",
  "src/demo.ts",
];

// The H2 sections of a README, in order. STEPS stands for the numbered steps,
// "## 1. …", "## 2. …", at least one, numbered from 1.
export const STEPS = "1. …";
export const README_SECTIONS: { name: string; required: boolean }[] = [
  { name: "Why it matters", required: true },
  { name: "Run it", required: true },
  { name: "Readings", required: true },
  { name: STEPS, required: true },
  { name: "What to expect", required: true },
  { name: "What is not covered yet", required: true },
];

// The H2 sections of INSTRUCTOR.md, in order.
export const INSTRUCTOR_SECTIONS: { name: string; required: boolean }[] = [
  { name: "Timing and order", required: true },
  { name: "The one figure to draw on the board", required: true },
  { name: "Common mistakes", required: true },
  { name: "What the numbers say (and do not)", required: false },
  { name: "Questions to discuss", required: false },
  { name: "What is not covered yet", required: false },
];

const HINT_LINE = /^\s*\/\/\s*hint:/;
const JSDOC = /^\s*\/\*\*/;
const STEP = /^(\d+)\. \S/;

// Headings outside fenced code blocks: a "## " inside ``` is an example, not a section.
function headings(text: string, level: number): { text: string; line: number }[] {
  const mark = `${"#".repeat(level)} `;
  const out: { text: string; line: number }[] = [];
  let fenced = false;
  text.split("\n").forEach((l, i) => {
    if (/^\s*```/.test(l)) fenced = !fenced;
    else if (!fenced && l.startsWith(mark)) out.push({ text: l.slice(mark.length).trim(), line: i + 1 });
  });
  return out;
}

function checkSections(
  file: string,
  text: string,
  spec: { name: string; required: boolean }[],
  steps: boolean,
): string[] {
  const problems: string[] = [];
  const order = spec.map((s) => (s.name === STEPS ? '"1. …", "2. …"' : `"${s.name}"`)).join(", ");
  const slot = (h: string) =>
    steps && STEP.test(h) ? spec.findIndex((s) => s.name === STEPS) : spec.findIndex((s) => s.name === h);
  let last = -1;
  let lastHeading = "";
  let step = 0; // the number of the step before
  const seen = new Set<number>();
  for (const h of headings(text, 2)) {
    const i = slot(h.text);
    if (i < 0) {
      problems.push(
        `${file}:${h.line}: "## ${h.text}" is not a section of the skeleton (in order: ${order})`,
      );
      continue;
    }
    if (i < last)
      problems.push(
        `${file}:${h.line}: "## ${h.text}" comes after "## ${lastHeading}"; the order is ${order}`,
      );
    else if (i === last && spec[i].name !== STEPS)
      problems.push(`${file}:${h.line}: a second "## ${h.text}"`);
    if (spec[i].name === STEPS) {
      // Each step is one more than the one before, starting at 1.
      const n = Number(STEP.exec(h.text)?.[1]);
      if (n !== step + 1)
        problems.push(
          `${file}:${h.line}: step "## ${h.text}" should be number ${step + 1} (steps count 1, 2, 3, …)`,
        );
      step = n;
    }
    seen.add(i);
    if (i >= last) {
      last = i;
      lastHeading = h.text;
    }
  }
  spec.forEach((s, i) => {
    if (s.required && !seen.has(i))
      problems.push(
        s.name === STEPS
          ? `${file}: no numbered steps ("## 1. …")`
          : `${file}: no "## ${s.name}" section (in order: ${order})`,
      );
  });
  return problems;
}

export function checkSkeleton(lab: Lab): string[] {
  const at = (f: string) => `labs/${lab.folder}/${f}`;
  const read = (f: string) => readFileSync(join(lab.dir, f), "utf8");
  const has = (f: string) => existsSync(join(lab.dir, f));
  const problems: string[] = [];
  const number = String(lab.manifest.order).padStart(2, "0");

  for (const f of REQUIRED_FILES) if (!has(f)) problems.push(`${at(f)}: missing (every lab has it)`);

  if (has("README.md")) {
    const text = read("README.md");
    const h1 = headings(text, 1)[0]?.text;
    if (h1 !== `Lab ${number} · ${lab.manifest.title}`)
      problems.push(
        `${at("README.md")}: the title should be "# Lab ${number} · ${lab.manifest.title}" (the manifest's title)`,
      );
    problems.push(...checkSections(at("README.md"), text, README_SECTIONS, true));
  }
  if (has("INSTRUCTOR.md")) {
    const text = read("INSTRUCTOR.md");
    if (headings(text, 1)[0]?.text !== `Lab ${number} · notes for instructors`)
      problems.push(`${at("INSTRUCTOR.md")}: the title should be "# Lab ${number} · notes for instructors"`);
    problems.push(...checkSections(at("INSTRUCTOR.md"), text, INSTRUCTOR_SECTIONS, false));
  }

  // One test file per source file with exercises, named after it, with a
  // describe("exercise: <id>") for each of that file's exercises.
  for (const ex of lab.manifest.exercises) {
    const test = `test/${basename(ex.file, ".ts")}.test.ts`;
    if (!has(test)) problems.push(`${at(test)}: missing; it tests exercise "${ex.id}" of ${ex.file}`);
    else if (!read(test).includes(`describe("exercise: ${ex.id}"`))
      problems.push(`${at(test)}: no describe("exercise: ${ex.id}") for exercise "${ex.id}" of ${ex.file}`);
  }

  // Hints live in the manifest only; comments are line comments.
  for (const rel of sourceFiles(join(lab.dir, "src"))) {
    const file = join("src", rel);
    read(file)
      .split("\n")
      .forEach((l, i) => {
        if (HINT_LINE.test(l))
          problems.push(
            `${at(file)}:${i + 1}: a "// hint:" line; hints live in the manifest (lab.exercises[].hints)`,
          );
        if (JSDOC.test(l)) problems.push(`${at(file)}:${i + 1}: a "/**" block; write line comments ("// …")`);
      });
  }
  return problems;
}
