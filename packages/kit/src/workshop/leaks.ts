import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { regionBodies } from "../exercise/regions.ts";
import { labRegions } from "../exercise/workspace.ts";
import type { Lab } from "../labs.ts";

// A leak is code of a stubbed region found anywhere a learner can read it: in
// any file of the handout, the stubbed file itself outside its regions, another
// lab's source, a package, a test or a README. A whole copy is not needed; the
// answer leaks as soon as its telling lines do. Lines are compared trimmed, so
// re-indenting a copied solution still counts as a copy.
//
// Which lines tell? Measured over the six labs' handout: every region line
// shorter than LONG characters that also stands elsewhere is an idiom any file
// repeats ("for (let n = 0; n < N; n++) {", "let sum = 0;",
// "const s = loraScale(lora);", "linearForward(Y, X, W0, b, N, IN, OUT);"),
// while a line of LONG or more carries the region's own index arithmetic
// ("K.set(qkv.subarray(row + C + h * d, row + C + (h + 1) * d), dst);"). Lines
// under SHORT characters ("name,", "return out;", "} else {") say nothing
// even in a run: three of them stand in every object literal. So:
//   - one body line of LONG characters or more, found as a line, is a leak;
//   - RUN body lines in a row, found in a row, are a leak however short each
//     one is (between SHORT and LONG);
//   - a body with fewer than RUN such lines leaks when all of it is found.
// Blank lines, lines under SHORT, bracket-only lines and comments are skipped
// on both sides: they carry no answer (a hint is a comment, and the stub
// writes the manifest's hints in).

export const SHORT = 12;
export const LONG = 40;
export const RUN = 3;

export interface Leak {
  lab: string;
  exercise: string;
  file: string; // relative to the handout
  line: number; // 1-based, in that file: where the first telling line stands
}

// The lines that can carry an answer, trimmed, with their 1-based line numbers.
function telling(text: string): { text: string; line: number }[] {
  return text
    .split("\n")
    .map((l, i) => ({ text: l.trim(), line: i + 1 }))
    .filter(
      (l) => l.text.length >= SHORT && !/^(\/\/|\/\*|\*)/.test(l.text) && !/^[\s{}()[\];,]*$/.test(l.text),
    );
}

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

export interface ReferenceBody {
  lab: string;
  exercise: string;
  lines: string[]; // its telling lines, trimmed, in order
}

export function referenceBodies(labs: Lab[]): ReferenceBody[] {
  return labs.flatMap((lab) =>
    [...new Set(labRegions(lab).map((r) => r.file))].flatMap((file) =>
      regionBodies(readFileSync(join(lab.dir, file), "utf8"), file)
        .map((b) => ({ lab: lab.id, exercise: b.id, lines: telling(b.body).map((l) => l.text) }))
        .filter((b) => b.lines.length > 0),
    ),
  );
}

// The probes of one body: the keys (one line, or n lines joined by "\n") whose
// presence in a file is a leak.
function probes(lines: string[]): string[] {
  const n = Math.min(RUN, lines.length);
  const runs = lines.slice(0, lines.length - n + 1).map((_, i) => lines.slice(i, i + n).join("\n"));
  return [...lines.filter((l) => l.length >= LONG), ...runs];
}

export function findLeaks(labs: Lab[], dir: string): Leak[] {
  const bodies = referenceBodies(labs).map((b) => ({ ...b, probes: probes(b.lines) }));
  const leaks: Leak[] = [];
  for (const path of textFiles(dir)) {
    const lines = telling(readFileSync(path, "utf8"));
    // Every run of 1 … RUN telling lines of the file, with where it starts.
    const seen = new Map<string, number>();
    for (let n = 1; n <= RUN; n++)
      for (let i = 0; i + n <= lines.length; i++) {
        const key = lines
          .slice(i, i + n)
          .map((l) => l.text)
          .join("\n");
        if (!seen.has(key)) seen.set(key, lines[i].line);
      }
    // One leak per exercise and file (an exercise may have several regions).
    const found = new Map<string, Leak>();
    for (const b of bodies) {
      const at = b.probes.map((p) => seen.get(p)).filter((l) => l !== undefined);
      if (at.length === 0) continue;
      const line = Math.min(...at);
      const key = `${b.lab}/${b.exercise}`;
      const old = found.get(key);
      if (!old || line < old.line)
        found.set(key, { lab: b.lab, exercise: b.exercise, file: relative(dir, path), line });
    }
    leaks.push(...found.values());
  }
  return leaks;
}
