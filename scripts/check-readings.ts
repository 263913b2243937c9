// npm run check:readings
//
// Every reading a lab cites from a seed list must really be in that list, with
// the same URL; the seed lists sit in ../shared/seeds beside the repository.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, defaultCourse, discoverLabs, type Lab } from "@llm-labs/kit";

export const SEEDS_DIR = process.env.LLM_LABS_SEEDS ?? join(REPO_ROOT, "..", "shared", "seeds");

// The two lists, by the prefix of their file names (DESIGN.md: 000 is
// llm-resource, 002 is llm-action).
const SEED_FILES = { "seed:llm-resource": "000_", "seed:llm-action": "002_" } as const;

export function readSeeds(dir = SEEDS_DIR): Record<keyof typeof SEED_FILES, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir);
  const read = (prefix: string) => {
    const f = files.find((name) => name.startsWith(prefix));
    if (!f) throw new Error(`no seed list ${prefix}*.txt in ${dir}`);
    // The lists are markdown with a few HTML entities in titles ("&amp;");
    // a reader sees the decoded character, and so does the manifest.
    return readFileSync(join(dir, f), "utf8").replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"');
  };
  return { "seed:llm-resource": read(SEED_FILES["seed:llm-resource"]), "seed:llm-action": read(SEED_FILES["seed:llm-action"]) };
}

export function checkReadings(labs: Lab[], seeds: Record<keyof typeof SEED_FILES, string>): string[] {
  const problems: string[] = [];
  for (const lab of labs) {
    for (const r of lab.manifest.readings) {
      if (r.source !== "seed:llm-resource" && r.source !== "seed:llm-action") continue;
      const text = seeds[r.source];
      if (!text.includes(`(${r.url})`) && !text.includes(`"${r.url}"`) && !text.includes(` ${r.url}`) && !text.includes(`\t${r.url}`)) {
        problems.push(`${lab.id}: "${r.title}" ${r.url} is not in the ${r.source.slice(5)} list`);
      } else if (!text.includes(r.title)) {
        problems.push(`${lab.id}: ${r.url} is in the ${r.source.slice(5)} list, but not with the title "${r.title}"`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seeds = readSeeds();
  if (!seeds) {
    console.log(`no seed lists at ${SEEDS_DIR}; nothing to check`);
  } else {
    const problems = checkReadings(discoverLabs(defaultCourse()), seeds);
    for (const p of problems) console.log(`✗ ${p}`);
    console.log(problems.length ? `${problems.length} readings are not in the seed lists` : "every seed reading is in its list");
    process.exitCode = problems.length ? 1 : 0;
  }
}
