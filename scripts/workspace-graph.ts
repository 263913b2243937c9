// The course's dependency rules, checked from the source (DESIGN.md, "The shape"):
//
//   - the workspaces' imports of each other form a DAG: no cycle, through src,
//     test or bench files alike (a cycle through a test still makes two packages
//     impossible to understand, build or hand out one without the other);
//   - a workspace imports another only if its package.json declares it
//     (dependencies or devDependencies), so npm links it and a handout carries it;
//   - packages never import a lab;
//   - a lab imports another lab only if that lab is among its `prerequisites`,
//     and comes earlier in the course.
//
// `checkWorkspaceGraph(root)` returns one line per broken rule, [] when all hold.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

interface Workspace {
  name: string; // @llm-labs/…
  dir: string; // relative to the root, e.g. labs/04-quantization
  declared: Set<string>;
  imports: Map<string, string>; // imported workspace → first file that imports it
  lab?: { id: string; order: number; prerequisites: string[] };
}

// `from "@llm-labs/x"`, `import("@llm-labs/x")`, `import "@llm-labs/x"`, subpaths included.
const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)["'](@llm-labs\/[a-z0-9-]+)(?:\/[^"']*)?["']/g;
const SOURCE = /\.(ts|mts|mjs|js)$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "fixtures" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(entry)) out.push(path);
  }
  return out;
}

function readWorkspace(root: string, dir: string): Workspace | undefined {
  const pkgPath = join(root, dir, "package.json");
  if (!existsSync(pkgPath)) return undefined;
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
  const declared = new Set<string>([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.devDependencies ?? {}),
  ]);
  const imports = new Map<string, string>();
  for (const file of sourceFiles(join(root, dir)))
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT))
      if (m[1] !== pkg.name && !imports.has(m[1])) imports.set(m[1], relative(root, file));
  const lab = pkg.lab
    ? { id: pkg.lab.id, order: pkg.lab.order, prerequisites: pkg.lab.prerequisites ?? [] }
    : undefined;
  return { name: pkg.name, dir, declared, imports, lab };
}

export function readWorkspaces(root: string): Workspace[] {
  const out: Workspace[] = [];
  for (const group of ["packages", "labs"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base).sort()) {
      const w = readWorkspace(root, join(group, entry));
      if (w) out.push(w);
    }
  }
  return out;
}

// Every cycle once, as "a → b → a", found by depth-first search.
function cycles(workspaces: Workspace[]): string[][] {
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const found = new Map<string, string[]>();
  const state = new Map<string, "active" | "done">();
  const path: string[] = [];
  const visit = (name: string) => {
    state.set(name, "active");
    path.push(name);
    for (const next of byName.get(name)?.imports.keys() ?? []) {
      if (!byName.has(next)) continue;
      if (state.get(next) === "active") {
        const cycle = path.slice(path.indexOf(next));
        // one key per cycle, whichever node the search entered it from
        const start = cycle.indexOf([...cycle].sort()[0]);
        const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(canonical.join(" "), [...canonical, canonical[0]]);
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(name, "done");
  };
  for (const w of workspaces) if (!state.has(w.name)) visit(w.name);
  return [...found.values()];
}

export function checkWorkspaceGraph(root: string): string[] {
  const workspaces = readWorkspaces(root);
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const problems: string[] = [];
  for (const cycle of cycles(workspaces)) problems.push(`import cycle: ${cycle.join(" → ")}`);
  for (const w of workspaces) {
    for (const [imported, file] of w.imports) {
      const target = byName.get(imported);
      if (!target) {
        problems.push(`${file} imports ${imported}, which is no workspace of this course`);
        continue;
      }
      if (!w.declared.has(imported))
        problems.push(`${file} imports ${imported}, but ${w.dir}/package.json does not declare it`);
      if (!w.lab && target.lab) problems.push(`${file}: a package imports a lab (${imported})`);
      if (w.lab && target.lab) {
        if (!w.lab.prerequisites.includes(target.lab.id))
          problems.push(`${file} imports lab ${target.lab.id}, which is not among ${w.dir}'s prerequisites`);
        if (target.lab.order >= w.lab.order)
          problems.push(`${file} imports lab ${target.lab.id}, which does not come before lab ${w.lab.id}`);
      }
    }
  }
  return problems;
}
