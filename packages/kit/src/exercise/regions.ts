import { UserError } from "../errors.ts";

// An exercise region in a lab's source:
//
//     // #region exercise count-pairs
//     ...reference code...
//     // #endregion
//
// The stub keeps the markers and replaces the code with a throw, so the
// learner sees exactly where to write and what the test will call. Hints live
// in one place, the lab manifest (lab.exercises[].hints in package.json); the
// stub writes them in as "// hint:" lines above the throw of the exercise's
// first region, and `npm run exercise -- hint` prints them one at a time.

export interface Region {
  id: string;
  start: number; // line index of "#region exercise <id>"
  end: number; // line index of "#endregion"
  indent: string;
}

const OPEN = /^(\s*)\/\/\s*#region exercise ([a-z0-9-]+)\s*$/;
const CLOSE = /^\s*\/\/\s*#endregion\b/;
export const HINT = /^\s*\/\/\s*hint:/;
export const NOT_IMPLEMENTED_IMPORT = `import { NotImplemented } from "@llm-labs/kit/exercise";`;

export function parseRegions(source: string, file: string): Region[] {
  const lines = source.split("\n");
  const regions: Region[] = [];
  let open: Region | undefined;
  lines.forEach((line, i) => {
    const m = OPEN.exec(line);
    if (m) {
      if (open)
        throw new UserError(
          `${file}:${i + 1}: region "${m[2]}" starts inside region "${open.id}" (line ${open.start + 1}); regions do not nest`,
        );
      open = { id: m[2], start: i, end: -1, indent: m[1] };
    } else if (CLOSE.test(line) && open) {
      open.end = i;
      regions.push(open);
      open = undefined;
    } else if (/#region exercise/.test(line)) {
      throw new UserError(
        `${file}:${i + 1}: malformed region marker; write "// #region exercise <kebab-case-id>"`,
      );
    }
  });
  if (open) throw new UserError(`${file}:${open.start + 1}: region "${open.id}" has no "// #endregion"`);
  return regions;
}

// What the stub needs of a lab: its id and the manifest's hints. A Lab fits.
export interface StubLab {
  id: string;
  manifest: { exercises: { id: string; hints: string[] }[] };
}

const WIDTH = 110; // the course's line width (biome.json)

// One hint as comment lines, wrapped at WIDTH: "// hint: …" and then
// "//       …" under the text, so a long hint stays one readable paragraph.
export function hintComment(indent: string, hint: string): string[] {
  const first = `${indent}// hint: `;
  const next = `${indent}//       `;
  const lines: string[] = [];
  let line = first;
  for (const word of hint.split(/\s+/).filter(Boolean)) {
    const bare = line === first || line === next;
    if (!bare && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = next + word;
    } else line += bare ? word : ` ${word}`;
  }
  lines.push(line);
  return lines;
}

// Replace the bodies of the chosen regions (all of them by default) with a
// throw. The exercise's name in the error is "<lab>/<exercise>", e.g.
// "tokenizers/count-pairs". The first stubbed region of each exercise gets the
// manifest's hints; a later region of the same exercise (an exercise may span
// several, e.g. a formula and its use) gets one line pointing back at them.
export function stubSource(
  source: string,
  file: string,
  lab: StubLab,
  only?: (r: Region, index: number) => boolean,
): string {
  const regions = parseRegions(source, file).filter((r, i) => (only ? only(r, i) : true));
  if (regions.length === 0) return source;
  const lines = source.split("\n");
  const hinted = new Set<string>();
  const comments = regions.map((r) => {
    const ex = lab.manifest.exercises.find((e) => e.id === r.id);
    if (!ex)
      throw new UserError(`${file}:${r.start + 1}: region "${r.id}" is not an exercise of lab "${lab.id}"`);
    if (hinted.has(r.id))
      return [`${r.indent}// hint: see the hints above, at the first region of "${r.id}"`];
    hinted.add(r.id);
    return ex.hints.flatMap((h) => hintComment(r.indent, h));
  });
  // Back to front, so earlier line numbers stay valid while we splice.
  for (let k = regions.length - 1; k >= 0; k--) {
    const r = regions[k];
    lines.splice(
      r.start + 1,
      r.end - r.start - 1,
      ...comments[k],
      `${r.indent}throw new NotImplemented(${JSON.stringify(`${lab.id}/${r.id}`)});`,
    );
  }
  if (!source.includes(NOT_IMPLEMENTED_IMPORT)) lines.unshift(NOT_IMPLEMENTED_IMPORT);
  return lines.join("\n");
}

// The reference body of a region, without markers (and without hint lines,
// which a stubbed copy has): what a handout must never contain.
export function regionBodies(source: string, file: string): { id: string; body: string }[] {
  const lines = source.split("\n");
  return parseRegions(source, file).map((r) => ({
    id: r.id,
    body: lines
      .slice(r.start + 1, r.end)
      .filter((l) => !HINT.test(l))
      .join("\n"),
  }));
}
