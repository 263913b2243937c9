import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, defaultCourse, discoverLabs } from "@llm-labs/kit";
import { checkReadings, readSeeds } from "../check-readings.ts";

// Checks of the course as a whole: what a learner reads first and what every
// lab cites.
const labs = discoverLabs(defaultCourse());
const seeds = readSeeds();

describe("the course", () => {
  it("the README's lab table links every lab", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    for (const lab of labs)
      expect(readme).toContain(`| ${lab.manifest.order} | [${lab.id}](labs/${lab.folder}/README.md) |`);
  });

  it("the README's quick start is exactly npm install, then npm start", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).toMatch(/## Quick start[\s\S]*?```sh\nnpm install\nnpm start\n```/);
  });

  it(".ci/run runs the README's install and test commands", () => {
    const ci = readFileSync(join(REPO_ROOT, ".ci", "run"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(ci.filter((l) => l.startsWith("npm "))).toEqual(["npm ci", "npm test"]);
  });

  it.skipIf(!seeds)("every seed reading a lab cites is in its seed list, title and URL", () => {
    expect(checkReadings(labs, seeds!)).toEqual([]);
  });

  it.skipIf(!seeds)("the check catches a reading that is not in the list", () => {
    const fake = {
      ...labs[0],
      manifest: {
        ...labs[0].manifest,
        readings: [
          {
            title: "不存在的文章",
            url: "https://example.org/not-a-seed",
            source: "seed:llm-action" as const,
          },
        ],
      },
    };
    expect(checkReadings([fake], seeds!)).toEqual([
      `${labs[0].id}: "不存在的文章" https://example.org/not-a-seed is not in the llm-action list`,
    ]);
  });
});
