// npm run plots [-- --lab <id>]
//
// Regenerates the SVG plots of every lab (or one) with one command. A lab's
// plots are written by its own code into labs/NN-name/plots/: by its
// `plots` script when its package.json has one (a faster path than the whole
// demo), otherwise by its demo (src/demo.ts, what `npm run lab <id>` runs).
// Each runs in its own process, one after the other; the demos print their
// story as usual. At the end: which SVGs changed, and which labs wrote none.
// `npm run docs` then puts them on the lab pages. LLM_LABS_LABS_DIR picks
// another labs folder, as for npm run docs.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  REPO_ROOT,
  UserError,
  defaultCourse,
  discoverLabs,
  findLab,
  parseFlags,
  runScript,
  type Lab,
} from "@llm-labs/kit";

function snapshot(lab: Lab): Map<string, string> {
  const dir = join(lab.dir, "plots");
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort())
    if (f.endsWith(".svg"))
      out.set(
        f,
        createHash("sha256")
          .update(readFileSync(join(dir, f)))
          .digest("hex"),
      );
  return out;
}

function runPlots(lab: Lab): { how: string; ok: boolean } {
  const pkg = JSON.parse(readFileSync(join(lab.dir, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  if (pkg.scripts?.plots) {
    const r = spawnSync("npm", ["run", "plots", "--silent"], { cwd: lab.dir, stdio: "inherit" });
    return { how: "its plots script", ok: r.status === 0 };
  }
  const demo = join(lab.dir, "src", "demo.ts");
  if (!existsSync(demo)) return { how: "nothing (no plots script, no src/demo.ts)", ok: true };
  const tsx = join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  const r = spawnSync(process.execPath, [tsx, demo], { cwd: REPO_ROOT, stdio: "inherit" });
  return { how: "its demo", ok: r.status === 0 };
}

export interface PlotsReport {
  lines: string[]; // one per lab: how it ran, which SVGs changed
  changed: Map<string, string[]>; // lab folder → the SVGs that changed (new ones included)
  failed: string[]; // ids of the labs whose plots command failed
}

export function regeneratePlots(labs: Lab[]): PlotsReport {
  const report: PlotsReport = { lines: [], changed: new Map(), failed: [] };
  for (const lab of labs) {
    console.log(`\n── ${lab.folder}: plots ──`);
    const before = snapshot(lab);
    const { how, ok } = runPlots(lab);
    const after = snapshot(lab);
    if (!ok) report.failed.push(lab.id);
    const changed = [...after].filter(([f, h]) => before.get(f) !== h).map(([f]) => f);
    const same = [...after.keys()].filter((f) => !changed.includes(f));
    report.changed.set(lab.folder, changed);
    report.lines.push(
      after.size === 0
        ? `${lab.folder}: ran ${how}; no plots/*.svg`
        : `${lab.folder}: ran ${how}; ${changed.length ? `changed ${changed.join(", ")}` : "no change"}${same.length && changed.length ? `; same ${same.join(", ")}` : ""}`,
    );
  }
  return report;
}

function main() {
  const { values } = parseFlags(
    process.argv.slice(2),
    { lab: { type: "string" } },
    "npm run plots [-- --lab <id>]",
  );
  const labsDir = process.env.LLM_LABS_LABS_DIR;
  const all = discoverLabs(labsDir ? { ...defaultCourse(), labsDir } : defaultCourse());
  const labs = values.lab ? [findLab(all, values.lab)] : all;
  const { lines, failed } = regeneratePlots(labs);
  console.log(`\n── plots ──\n${lines.join("\n")}`);
  if (failed.length) throw new UserError(`the plots of ${failed.join(", ")} failed (see above)`);
}

if (import.meta.url === `file://${process.argv[1]}`) runScript(main);
