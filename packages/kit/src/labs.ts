import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { z } from "zod";
import type { Course } from "./course.ts";
import { UserError, suggest } from "./errors.ts";
import { LabManifest, describeZodError } from "./manifest.ts";

export interface Lab {
  manifest: LabManifest;
  id: string;
  folder: string; // "01-tokenizers"
  dir: string; // absolute path of labs/01-tokenizers
  packageName: string;
}

const PackageJson = z.object({
  name: z.string(),
  lab: z.unknown().refine((v) => v !== undefined, 'no "lab" manifest object'),
});

// Every folder under labs/ with a package.json is a lab; its manifest must
// parse, or the course refuses to start and says which file is wrong.
export function discoverLabs(course: Course): Lab[] {
  if (!existsSync(course.labsDir)) return [];
  const labs: Lab[] = [];
  for (const folder of readdirSync(course.labsDir).sort()) {
    const pkgPath = join(course.labsDir, folder, "package.json");
    if (!existsSync(pkgPath)) continue;
    labs.push(readLab(join(course.labsDir, folder), folder));
  }
  labs.sort((a, b) => a.manifest.order - b.manifest.order);
  checkCourse(labs);
  return labs;
}

export function readLab(dir: string, folder: string): Lab {
  const pkgPath = relative(process.cwd(), join(dir, "package.json")) || "package.json";
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(pkgPath, "utf8"));
  } catch (e) {
    throw new UserError(`${pkgPath} is not valid JSON: ${(e as Error).message}`);
  }
  const pkg = PackageJson.safeParse(raw);
  if (!pkg.success)
    throw new UserError(`${pkgPath}: ${describeZodError(pkg.error)} (see docs/authoring-a-lab.md)`);
  const manifest = LabManifest.safeParse(pkg.data.lab);
  if (!manifest.success)
    throw new UserError(
      `${pkgPath}: broken lab manifest: ${describeZodError(manifest.error).replaceAll(/(^|; )/g, "$1lab.")}`,
    );
  return { manifest: manifest.data, id: manifest.data.id, folder, dir, packageName: pkg.data.name };
}

// Ids and orders are unique, and prerequisites name labs that exist.
function checkCourse(labs: Lab[]): void {
  const ids = new Map<string, Lab>();
  const orders = new Map<number, Lab>();
  for (const lab of labs) {
    const other = ids.get(lab.id) ?? orders.get(lab.manifest.order);
    if (other)
      throw new UserError(
        `labs/${lab.folder} and labs/${other.folder} share an id or an order; each lab needs its own`,
      );
    ids.set(lab.id, lab);
    orders.set(lab.manifest.order, lab);
  }
  for (const lab of labs) {
    for (const p of lab.manifest.prerequisites) {
      if (!ids.has(p))
        throw new UserError(
          `labs/${lab.folder}/package.json: prerequisite "${p}" is not a lab id (known: ${[...ids.keys()].join(", ")})`,
        );
    }
  }
}

// A learner may name a lab by id ("tokenizers"), folder ("01-tokenizers") or
// number ("1", "01").
export function findLab(labs: Lab[], name: string): Lab {
  const n = /^\d+$/.test(name) ? Number(name) : NaN;
  const hit = labs.find((l) => l.id === name || l.folder === name || l.manifest.order === n);
  if (hit) return hit;
  if (labs.length === 0) throw new UserError(`unknown lab "${name}": the course has no labs yet`);
  const ids = labs.map((l) => l.id);
  const guess = suggest(name, ids);
  throw new UserError(
    `unknown lab "${name}"${guess ? `; did you mean "${guess}"?` : ""} (labs: ${ids.join(", ")})`,
  );
}
