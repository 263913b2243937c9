import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import type { Course } from "../course.ts";
import { stubSource } from "../exercise/regions.ts";
import { labRegions } from "../exercise/workspace.ts";
import type { Lab } from "../labs.ts";
import { findLeaks } from "./leaks.ts";
import { prepareOutDir } from "./output.ts";
import type { Selection } from "./select.ts";
import { howToCheck } from "./how-to-check.ts";

// A handout is a trimmed copy of the course that runs on its own: the root
// configuration and lockfile, the packages the chosen labs need, the chosen
// labs with every exercise region stubbed (hints kept) and their tests, and
// any earlier lab they import by package name, as its working solution. The
// learner writes in labs/NN-name/src/ itself, so a later lab of the same
// handout runs on the learner's own code of the earlier one. Teacher notes
// and the solutions of the chosen labs never go in; the writer checks that
// before it returns.

export const HANDOUT_FILE = "handout.json";
export const STARTERS_DIR = join(".handout", "starters");

export const HandoutInfo = z.object({
  handout: z.literal(1),
  labs: z.array(z.string()).min(1), // stubbed, in teaching order
  dependencies: z.array(z.string()), // earlier labs present as solutions
});
export type HandoutInfo = z.infer<typeof HandoutInfo>;

// Never in a handout: build output, caches, teacher notes, benchmarks.
const SKIP_ALWAYS = new Set(["node_modules", ".turbo", "dist", "coverage", "docs-api", ".vite"]);
const SKIP_IN_LAB = new Set([...SKIP_ALWAYS, "INSTRUCTOR.md", "bench"]);
const SKIP_IN_PACKAGE = new Set([...SKIP_ALWAYS, "test", "bench"]);
// Only the code of a lab that is there because another lab imports it.
const DEPENDENCY_LAB_PARTS = ["package.json", "tsconfig.json", "src", "data"];
const ROOT_FILES = [
  ".npmrc",
  "tsconfig.base.json",
  "turbo.json",
  ".gitignore",
  join("scripts", "doctor.mjs"),
  join("scripts", "doctor-deep.ts"),
];
// The root scripts a learner uses; the rest (train, docs, bench…) need files a handout leaves out.
const KEEP_SCRIPTS = ["start", "lab", "exercise", "doctor", "workshop"];

const HANDOUT_VITEST_CONFIG = `import { defineConfig } from "vitest/config";

// \`npm test\` in a handout runs every lab's tests at once; \`npm run exercise -- check <lab>\`
// shows them exercise by exercise.
export default defineConfig({ test: { projects: ["labs/*"] } });
`;

export interface HandoutResult {
  path: string;
  backup?: string;
  labs: Lab[];
  dependencies: Lab[];
  packages: string[]; // folder names under packages/
  regions: number;
}

const PackageJson = z
  .object({
    name: z.string(),
    dependencies: z.record(z.string(), z.string()).optional(),
    devDependencies: z.record(z.string(), z.string()).optional(),
  })
  .loose();

function readPackage(dir: string) {
  return PackageJson.parse(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")));
}

// Every workspace package the chosen labs reach through their dependencies,
// and the kit (the CLI the learner runs) always.
function closure(course: Course, all: Lab[], chosen: Lab[]): { packages: Map<string, string>; labs: Lab[] } {
  const packagesDir = join(course.root, "packages");
  const workspace = new Map<string, { dir: string; lab?: Lab }>();
  for (const name of existsSync(packagesDir) ? readdirSync(packagesDir).sort() : []) {
    const dir = join(packagesDir, name);
    if (existsSync(join(dir, "package.json"))) workspace.set(readPackage(dir).name, { dir });
  }
  for (const lab of all) workspace.set(lab.packageName, { dir: lab.dir, lab });
  const seen = new Set<string>(["@llm-labs/kit", ...chosen.map((l) => l.packageName)]);
  const queue = [...seen];
  while (queue.length) {
    const w = workspace.get(queue.shift()!);
    if (!w) continue;
    const pkg = readPackage(w.dir);
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (workspace.has(dep) && !seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  const packages = new Map<string, string>();
  const labs: Lab[] = [];
  for (const name of seen) {
    const w = workspace.get(name);
    if (!w) continue;
    if (w.lab) labs.push(w.lab);
    else packages.set(name, w.dir);
  }
  return { packages, labs };
}

function copyTree(from: string, to: string, skip: Set<string>): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).sort()) {
    if (skip.has(name)) continue;
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyTree(src, join(to, name), skip);
    else cpSync(src, join(to, name));
  }
}

export function writeHandout(
  course: Course,
  all: Lab[],
  selection: Selection,
  out: string,
  opts: { force?: boolean; now?: Date } = {},
): HandoutResult {
  const chosen = selection.labs;
  // Regions are checked against the manifests before anything is written.
  const regions = new Map(chosen.map((l) => [l.id, labRegions(l)]));
  const { packages, labs: reached } = closure(course, all, chosen);
  const dependencies = reached
    .filter((l) => !chosen.includes(l))
    .sort((a, b) => a.manifest.order - b.manifest.order);

  const { path, backup } = prepareOutDir(out, {
    force: opts.force,
    now: opts.now,
    root: course.root,
    protect: [
      course.labsDir,
      join(course.root, "packages"),
      join(course.root, "node_modules"),
      course.workspaceDir,
    ],
  });

  for (const f of ROOT_FILES) {
    if (!existsSync(join(course.root, f))) continue;
    mkdirSync(dirname(join(path, f)), { recursive: true });
    cpSync(join(course.root, f), join(path, f));
  }
  const present = [...packages.values()]
    .map((d) => relative(course.root, d))
    .concat([...chosen, ...dependencies].map((l) => join("labs", l.folder)));
  writeRootPackage(course, path, chosen);
  writeFileSync(join(path, "vitest.config.ts"), HANDOUT_VITEST_CONFIG);
  writeLockfile(course, path, present);

  for (const dir of packages.values())
    copyTree(dir, join(path, "packages", relative(join(course.root, "packages"), dir)), SKIP_IN_PACKAGE);

  let regionCount = 0;
  for (const lab of chosen) {
    const dest = join(path, "labs", lab.folder);
    copyTree(lab.dir, dest, SKIP_IN_LAB);
    retargetTsconfig(course, lab.dir, dest, path);
    const mine = regions.get(lab.id)!;
    regionCount += mine.length;
    for (const file of new Set(mine.map((r) => r.file))) {
      writeFileSync(join(dest, file), stubSource(readFileSync(join(lab.dir, file), "utf8"), file, lab));
    }
    // A pristine copy of the starter, for `npm run exercise -- reset`.
    copyTree(join(dest, "src"), join(path, STARTERS_DIR, lab.folder, "src"), new Set());
  }
  for (const lab of dependencies) {
    const dest = join(path, "labs", lab.folder);
    mkdirSync(dest, { recursive: true });
    for (const part of DEPENDENCY_LAB_PARTS) {
      const src = join(lab.dir, part);
      if (!existsSync(src)) continue;
      if (statSync(src).isDirectory()) copyTree(src, join(dest, part), SKIP_ALWAYS);
      else cpSync(src, join(dest, part));
    }
    retargetTsconfig(course, lab.dir, dest, path);
  }

  const info: HandoutInfo = {
    handout: 1,
    labs: chosen.map((l) => l.id),
    dependencies: dependencies.map((l) => l.id),
  };
  writeFileSync(join(path, HANDOUT_FILE), JSON.stringify(info, null, 2) + "\n");
  writeFileSync(join(path, "HOW-TO-CHECK.md"), howToCheck(chosen, dependencies));
  writeFileSync(join(path, "README.md"), handoutReadme(chosen));

  // The promise of a handout: no reference body of a stubbed region anywhere.
  const leaks = findLeaks(chosen, path);
  if (leaks.length) {
    throw new Error(
      `the handout in ${path} contains solution code (a bug in the handout writer): ${leaks.map((l) => `${l.lab}/${l.exercise} in ${l.file}:${l.line}`).join(", ")}`,
    );
  }
  return {
    path,
    backup,
    labs: chosen,
    dependencies,
    packages: [...packages.values()].map((d) => relative(join(course.root, "packages"), d)),
    regions: regionCount,
  };
}

function writeRootPackage(course: Course, out: string, chosen: Lab[]): void {
  const file = join(course.root, "package.json");
  const pkg = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> & {
    scripts?: Record<string, string>;
  };
  const scripts = Object.fromEntries(
    Object.entries(pkg.scripts ?? {}).filter(([k]) => KEEP_SCRIPTS.includes(k)),
  );
  scripts.typecheck = "turbo run typecheck";
  scripts.test = "vitest run";
  const description = `A workshop handout of LLM Labs: ${chosen.map((l) => l.manifest.title).join("; ")}. See HOW-TO-CHECK.md.`;
  writeFileSync(join(out, "package.json"), JSON.stringify({ ...pkg, description, scripts }, null, 2) + "\n");
}

// The course's lockfile without the workspace folders the handout leaves
// out, so `npm install` gets the same versions of everything the course
// tested with (and drops what only the missing labs used).
function writeLockfile(course: Course, out: string, present: string[]): void {
  const file = join(course.root, "package-lock.json");
  if (!existsSync(file)) return;
  const lock = JSON.parse(readFileSync(file, "utf8")) as {
    packages?: Record<string, { resolved?: string; link?: boolean }>;
  };
  const keep = new Set(present.map((p) => p.split("\\").join("/")));
  const isWorkspace = (p: string) => /^(packages|labs)\/[^/]+$/.test(p);
  const dropped = (p: string) => isWorkspace(p) && !keep.has(p);
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    const top = key.split("/").slice(0, 2).join("/");
    if (dropped(top) || (entry.link && entry.resolved && dropped(entry.resolved))) delete lock.packages![key];
  }
  writeFileSync(join(out, "package-lock.json"), JSON.stringify(lock, null, 2) + "\n");
}

// A lab's tsconfig extends the course's base config by a relative path; in
// the handout the base sits at the handout's root.
function retargetTsconfig(course: Course, labDir: string, dest: string, out: string): void {
  const path = join(dest, "tsconfig.json");
  if (!existsSync(path)) return;
  const config = JSON.parse(readFileSync(path, "utf8")) as { extends?: string };
  if (typeof config.extends !== "string" || !config.extends.startsWith(".")) return;
  const base = resolve(labDir, config.extends);
  const rel = relative(course.root, base);
  if (rel.startsWith("..")) return;
  config.extends = relative(dest, join(out, rel));
  writeFileSync(path, JSON.stringify(config, null, 2) + "\n");
}

function handoutReadme(chosen: Lab[]): string {
  const lines = [
    "# LLM Labs: workshop handout",
    "",
    "Build the pieces of a language model in TypeScript, then prove them against the real thing.",
    "This folder holds the labs of today's workshop, with the exercises cut out for you to write:",
    "",
    ...chosen.map((l, i) => `${i + 1}. [${l.manifest.title}](labs/${l.folder}/README.md)`),
    "",
    "Start with [HOW-TO-CHECK.md](HOW-TO-CHECK.md): install, check your machine, and check your exercises.",
    "",
  ];
  return lines.join("\n");
}
