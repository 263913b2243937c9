// npm run docs [-- --out <dir>] [--labs <dir>] [--no-api] [--import-readings]
//
// Builds the course site into site/ (open site/index.html, or npm run docs:serve)
// and checks it: every internal link and #anchor resolves, every external link
// is listed in site/external-links.txt (never fetched), every seed reading a lab
// cites is in its seed list, and every lab has a README whose external links
// are readings of its manifest. Any failure is one clear message and exit code 2.
//
// --import-readings first regenerates docs/readings.json from ../shared/seeds.
// --labs builds from another labs folder (fixtures); so does LLM_LABS_LABS_DIR.
import { relative, resolve } from "node:path";
import { REPO_ROOT, parseFlags, runScript } from "@llm-labs/kit";
import { importReadings } from "./import-readings.ts";
import { buildSite, type BuildReport } from "./site.ts";

export function summary(r: BuildReport): string[] {
  const where = relative(process.cwd(), r.outDir) || ".";
  const lists = r.readings.perList.map((l) => `${l.name} ${l.entries}`).join(", ");
  return [
    `site: ${r.pages.length} pages (${r.labs.length} labs) → ${where}/index.html`,
    `reading list: ${r.readings.entries} entries (${lists}), ${r.readings.covered} covered by a lab, ${r.readings.entries - r.readings.covered} not yet covered`,
    `seed readings cited by the labs: ${r.seedCitations}, every one in its seed list`,
    `links: ${r.links.internal} internal links checked, ${r.links.broken.length} broken; ${r.links.external.size} external links listed in ${relative(process.cwd(), r.externalFile)} (not fetched)`,
    r.apiMs === undefined ? "api: skipped (--no-api)" : `api: typedoc took ${(r.apiMs / 1000).toFixed(1)} s`,
  ];
}

async function main() {
  const usage = "npm run docs [-- --out <dir>] [--labs <dir>] [--no-api] [--import-readings]";
  const { values } = parseFlags(
    process.argv.slice(2),
    {
      out: { type: "string" },
      labs: { type: "string" },
      "no-api": { type: "boolean" },
      "import-readings": { type: "boolean" },
    },
    usage,
  );
  if (values["import-readings"]) console.log(importReadings());
  const labsDir = values.labs ?? process.env.LLM_LABS_LABS_DIR;
  const report = await buildSite({
    outDir: values.out ? resolve(values.out) : resolve(REPO_ROOT, "site"),
    labsDir: labsDir ? resolve(labsDir) : undefined,
    api: !values["no-api"],
  });
  for (const line of summary(report)) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) runScript(main);
