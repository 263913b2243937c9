// npm run check:readings
//
// Every reading a lab cites from a seed list must really be in that list: an
// entry with the same URL and the title the list gives it. The seed lists sit
// in ../shared/seeds beside the repository; where they are not (CI), the check
// reads their entries from docs/readings.json (scripts/docs/seeds.ts makes it).
import { defaultCourse, discoverLabs, runScript, type Lab } from "@llm-labs/kit";
import {
  SEEDS_DIR,
  SEED_LISTS,
  type SeedEntry,
  type SeedListId,
  loadReadings,
  parseSeedList,
  readSeedFiles,
} from "./docs/seeds.ts";

export { SEEDS_DIR };

// The two lists' text (entities decoded), or undefined where ../shared/seeds is missing.
export function readSeeds(dir = SEEDS_DIR): Record<SeedListId, string> | undefined {
  const files = readSeedFiles(dir);
  if (!files) return undefined;
  return Object.fromEntries(files.map((f) => [f.id, f.text])) as Record<SeedListId, string>;
}

export function checkReadings(labs: Lab[], seeds: Record<SeedListId, string> | SeedEntry[]): string[] {
  const entries = Array.isArray(seeds)
    ? seeds
    : (Object.keys(seeds) as SeedListId[]).flatMap((id) => parseSeedList(seeds[id], id));
  const problems: string[] = [];
  for (const lab of labs) {
    for (const r of lab.manifest.readings) {
      if (r.source !== "seed:llm-resource" && r.source !== "seed:llm-action") continue;
      const list = SEED_LISTS[r.source].name;
      const same = entries.filter((e) => e.list === r.source && e.url === r.url);
      if (same.length === 0) {
        problems.push(`${lab.id}: "${r.title}" ${r.url} is not in the ${list} list`);
      } else if (!same.some((e) => e.title === r.title)) {
        problems.push(
          `${lab.id}: ${r.url} is in the ${list} list, but not with the title "${r.title}" (the list writes "${same[0].title}")`,
        );
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runScript(main);
}

function main() {
  const seeds = readSeeds();
  const labs = discoverLabs(defaultCourse());
  const problems = seeds ? checkReadings(labs, seeds) : checkReadings(labs, loadReadings().entries);
  console.log(
    seeds ? `seed lists: ${SEEDS_DIR}` : `no seed lists at ${SEEDS_DIR}; checking against docs/readings.json`,
  );
  for (const p of problems) console.log(`✗ ${p}`);
  console.log(
    problems.length
      ? `${problems.length} readings are not in the seed lists`
      : "every seed reading is in its list",
  );
  process.exitCode = problems.length ? 1 : 0;
}
