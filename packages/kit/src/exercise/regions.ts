import { UserError } from "../errors.ts";

// An exercise region in a lab's source:
//
//     // #region exercise count-pairs
//     // hint: one pass over ids, counting (ids[i], ids[i+1])
//     ...reference code...
//     // #endregion
//
// The stub keeps the markers and the hints and replaces the code with a throw,
// so the learner sees exactly where to write and what the test will call.

export interface Region {
  id: string;
  start: number; // line index of "#region exercise <id>"
  end: number; // line index of "#endregion"
  indent: string;
  hints: string[];
}

const OPEN = /^(\s*)\/\/\s*#region exercise ([a-z0-9-]+)\s*$/;
const CLOSE = /^\s*\/\/\s*#endregion\b/;
const HINT = /^\s*\/\/\s*hint:/;
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
      open = { id: m[2], start: i, end: -1, indent: m[1], hints: [] };
    } else if (CLOSE.test(line) && open) {
      open.end = i;
      regions.push(open);
      open = undefined;
    } else if (open && HINT.test(line)) {
      open.hints.push(line.replace(HINT, "").trim());
    } else if (/#region exercise/.test(line)) {
      throw new UserError(
        `${file}:${i + 1}: malformed region marker; write "// #region exercise <kebab-case-id>"`,
      );
    }
  });
  if (open) throw new UserError(`${file}:${open.start + 1}: region "${open.id}" has no "// #endregion"`);
  return regions;
}

// Replace the bodies of the chosen regions (all of them by default) with a
// throw. `lab` prefixes the exercise name in the error: "tokenizers/count-pairs".
export function stubSource(
  source: string,
  file: string,
  lab: string,
  only?: (r: Region, index: number) => boolean,
): string {
  const regions = parseRegions(source, file).filter((r, i) => (only ? only(r, i) : true));
  if (regions.length === 0) return source;
  const lines = source.split("\n");
  // Back to front, so earlier line numbers stay valid while we splice.
  for (const r of [...regions].reverse()) {
    const hints = lines.slice(r.start + 1, r.end).filter((l) => HINT.test(l));
    lines.splice(
      r.start + 1,
      r.end - r.start - 1,
      ...hints,
      `${r.indent}throw new NotImplemented(${JSON.stringify(`${lab}/${r.id}`)});`,
    );
  }
  if (!source.includes(NOT_IMPLEMENTED_IMPORT)) lines.unshift(NOT_IMPLEMENTED_IMPORT);
  return lines.join("\n");
}

// The reference body of a region, without markers or hints: what a handout
// must never contain.
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
