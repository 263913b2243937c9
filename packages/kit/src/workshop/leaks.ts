import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { regionBodies } from "../exercise/regions.ts";
import { labRegions } from "../exercise/workspace.ts";
import type { Lab } from "../labs.ts";

// A leak is the reference body of a stubbed region found in any file of a
// handout. Bodies and files are compared with each line trimmed and blank
// lines dropped, so re-indenting a copied solution still counts as a copy.

export interface Leak {
  lab: string;
  exercise: string;
  file: string; // relative to the handout
}

const normalize = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");

// Text files only: a checkpoint's weights cannot hold TypeScript.
const BINARY = /\.(safetensors|onnx|bin|png|jpg|jpeg|gif|webp|woff2?|zip|gz)$/i;

function textFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) return name === "node_modules" ? [] : textFiles(path);
      return BINARY.test(name) ? [] : [path];
    });
}

export function referenceBodies(labs: Lab[]): { lab: string; exercise: string; body: string }[] {
  return labs.flatMap((lab) =>
    [...new Set(labRegions(lab).map((r) => r.file))].flatMap((file) =>
      regionBodies(readFileSync(join(lab.dir, file), "utf8"), file)
        .map((b) => ({ lab: lab.id, exercise: b.id, body: normalize(b.body) }))
        .filter((b) => b.body.length > 0),
    ),
  );
}

export function findLeaks(labs: Lab[], dir: string): Leak[] {
  const bodies = referenceBodies(labs);
  const leaks: Leak[] = [];
  for (const path of textFiles(dir)) {
    // Whole lines only: "s = 0" is not found inside "pass = 0".
    const text = `\n${normalize(readFileSync(path, "utf8"))}\n`;
    for (const b of bodies)
      if (text.includes(`\n${b.body}\n`))
        leaks.push({ lab: b.lab, exercise: b.exercise, file: relative(dir, path) });
  }
  return leaks;
}
