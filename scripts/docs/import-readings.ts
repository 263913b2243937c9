// npm run docs -- --import-readings   (or: npx tsx scripts/docs/import-readings.ts)
//
// Regenerates docs/readings.json from the two seed lists in ../shared/seeds.
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { REPO_ROOT, UserError, runScript } from "@llm-labs/kit";
import { READINGS_FILE, SEEDS_DIR, formatReadings, parseSeeds, readSeedFiles } from "./seeds.ts";

export function importReadings(seedsDir = SEEDS_DIR, out = READINGS_FILE): string {
  const files = readSeedFiles(seedsDir);
  if (!files)
    throw new UserError(
      `no seed lists at ${seedsDir}; set LLM_LABS_SEEDS to the folder that holds 000_…txt and 002_…txt`,
    );
  const data = parseSeeds(files);
  writeFileSync(out, formatReadings(data));
  const per = data.lists
    .map((l) => `${l.name} ${data.entries.filter((e) => e.list === l.id).length}`)
    .join(", ");
  return `${relative(REPO_ROOT, out)}: ${data.entries.length} entries (${per}), ${data.entries.filter((e) => !e.url).length} without a link in the list`;
}

if (import.meta.url === `file://${process.argv[1]}`) runScript(() => console.log(importReadings()));
