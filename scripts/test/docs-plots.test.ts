// npm run plots: one command regenerates every lab's SVGs (by running each
// lab's demo), and the next site build shows them on the lab's page.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultCourse, discoverLabs } from "@llm-labs/kit";
import { regeneratePlots } from "../plots.ts";
import { buildSite } from "../docs/site.ts";
import { alpha, beta, writeLabs } from "./docs-fixtures.ts";

// A demo that draws a new plot beside its lab's stale one.
const DEMO = [
  'import { writeFileSync } from "node:fs";',
  'import { join } from "node:path";',
  'const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" fill="#cfc"/></svg>\\n`;',
  'writeFileSync(join(import.meta.dirname, "..", "plots", "loss.svg"), svg);',
  'writeFileSync(join(import.meta.dirname, "..", "plots", "fresh.svg"), svg);',
  "",
].join("\n");

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe("npm run plots", { timeout: 30_000 }, () => {
  it("runs each lab's demo, reports which SVGs changed and which lab failed, and the site shows the new plots", async () => {
    const good = alpha();
    const labsDir = writeLabs([
      { ...good, files: { ...good.files, "src/demo.ts": DEMO } },
      beta({ files: { "src/demo.ts": "process.exitCode = 3; // a demo that fails\n" } }),
    ]);
    const outDir = mkdtempSync(join(tmpdir(), "llm-labs-site-out-"));
    made.push(labsDir, outDir);
    const labs = discoverLabs({ ...defaultCourse(), labsDir });

    const r = regeneratePlots(labs);
    // loss.svg was rewritten with other content, fresh.svg is new, extra.svg untouched.
    expect(r.changed.get("01-alpha")).toEqual(["fresh.svg", "loss.svg"]);
    expect(r.lines[0]).toBe("01-alpha: ran its demo; changed fresh.svg, loss.svg; same extra.svg");
    expect(r.failed).toEqual(["beta"]);
    expect(r.lines[1]).toBe("02-beta: ran its demo; no plots/*.svg");

    await buildSite({ labsDir, outDir, api: false });
    const page = readFileSync(join(outDir, "labs/01-alpha/index.html"), "utf8");
    expect(page).toContain('src="plots/fresh.svg"');
    expect(readFileSync(join(outDir, "labs/01-alpha/plots/fresh.svg"), "utf8")).toContain('fill="#cfc"');
  });
});
