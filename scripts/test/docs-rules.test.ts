// The site build's rules, on fixture labs (no typedoc: these take a second each).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summary } from "../docs/build.ts";
import { buildSite } from "../docs/site.ts";
import { SEED_READING, alpha, beta, writeLabs, type FixtureLab } from "./docs-fixtures.ts";

const made: string[] = [];
function build(labs: FixtureLab[]) {
  const labsDir = writeLabs(labs);
  const outDir = mkdtempSync(join(tmpdir(), "llm-labs-site-out-"));
  made.push(labsDir, outDir);
  return { outDir, run: () => buildSite({ labsDir, outDir, api: false }) };
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe("the site build on fixture labs", { timeout: 30_000 }, () => {
  it("builds, copies the plots, links the lab's files, and checks every link", async () => {
    const { outDir, run } = build([alpha(), beta()]);
    const r = await run();
    expect(r.links.broken).toEqual([]);
    const page = readFileSync(join(outDir, "labs/01-alpha/index.html"), "utf8");
    // The README's relative links work in the site: the plot is copied, the
    // source file has a page, the other lab's README is its page.
    expect(existsSync(join(outDir, "labs/01-alpha/plots/loss.svg"))).toBe(true);
    expect(page).toContain('<img src="plots/loss.svg" alt="loss curve">');
    expect(page).toContain('href="src/alpha.ts.html"');
    expect(existsSync(join(outDir, "labs/01-alpha/src/alpha.ts.html"))).toBe(true);
    expect(page).toContain('href="../02-beta/index.html#part-two"');
    // A plot the README does not show is still on the page.
    expect(page).toContain('src="plots/extra.svg"');
    // The manifest's readings are listed, the seed one with its place in the reading list.
    expect(page).toMatch(/id="readings-of-this-lab"/);
    expect(page).toContain(`href="../../readings.html#r-llm-action-`);
  });

  it("marks the seed entry a lab cites as covered, and counts it", async () => {
    const { outDir, run } = build([alpha(), beta()]);
    const r = await run();
    expect(r.readings.covered).toBe(1);
    const list = readFileSync(join(outDir, "readings.html"), "utf8");
    const li = list.split("\n").find((l) => l.includes(SEED_READING.url))!;
    expect(li).toContain('class="covered"');
    expect(li).toContain('href="labs/01-alpha/index.html"');
    expect(list.match(/class="uncovered"/g)!.length).toBe(r.readings.entries - 1);
    expect(summary(r)[1]).toMatch(
      new RegExp(
        `^reading list: ${r.readings.entries} entries \\(.*\\), 1 covered by a lab, ${r.readings.entries - 1} not yet covered$`,
      ),
    );
  });

  it("gives code a highlighted page, and copies a binary file as it is", async () => {
    const readme =
      "# Alpha\n\nThe [code](src/alpha.ts) and the [trained adapter](data/adapter.safetensors).\n";
    const { outDir, run } = build([
      alpha({ readme, files: { ...alpha().files, "data/adapter.safetensors": "\u0000\u0001binary" } }),
      beta(),
    ]);
    await run();
    const page = readFileSync(join(outDir, "labs/01-alpha/index.html"), "utf8");
    expect(page).toContain('href="src/alpha.ts.html"');
    expect(page).toContain('href="data/adapter.safetensors"');
    expect(readFileSync(join(outDir, "labs/01-alpha/data/adapter.safetensors"), "utf8")).toBe(
      "\u0000\u0001binary",
    );
    expect(existsSync(join(outDir, "labs/01-alpha/data/adapter.safetensors.html"))).toBe(false);
  });

  it("fails with a clear message when a lab has no README", async () => {
    const { run } = build([alpha(), beta({ readme: undefined })]);
    await expect(run()).rejects.toThrow(
      /02-beta has no README\.md: every lab's page on the course site is its README/,
    );
  });

  it("fails when a README links to an external page that is not a reading in its manifest", async () => {
    const readme = `${beta().readme}\nSee [a blog](https://example.org/not-in-the-manifest) and [the docs](https://example.org/beta).\n`;
    const { run } = build([alpha(), beta({ readme })]);
    await expect(run()).rejects.toThrow(
      /02-beta\/README\.md links to https:\/\/example\.org\/not-in-the-manifest, which is not a reading in its manifest/,
    );
  });

  it("fails when a README links to a file that does not exist", async () => {
    const { run } = build([alpha({ readme: "# Alpha\n\n[code](src/missing.ts)\n" }), beta()]);
    await expect(run()).rejects.toThrow(/README\.md links to src\/missing\.ts, which does not exist/);
  });

  it("fails on a link to a section that does not exist", async () => {
    const { run } = build([
      alpha({ readme: "# Alpha\n\n[there](../02-beta/README.md#part-three)\n" }),
      beta(),
    ]);
    await expect(run()).rejects.toThrow(
      /1 broken links[\s\S]*labs\/01-alpha\/index\.html: \.\.\/02-beta\/index\.html#part-three \(labs\/02-beta\/index\.html has no element with id "part-three"\)/,
    );
  });

  it("fails when a lab cites a seed reading that is not in that seed list", async () => {
    const fake = { title: "不存在的文章", url: "https://example.org/not-a-seed", source: "seed:llm-action" };
    const { run } = build([alpha({ readings: [...alpha().readings!, fake] }), beta()]);
    await expect(run()).rejects.toThrow(
      /alpha: "不存在的文章" https:\/\/example\.org\/not-a-seed is not in the llm-action list/,
    );
  });

  it("renders no raw HTML from markdown", async () => {
    const { outDir, run } = build([
      alpha(),
      beta({ readme: `${beta().readme}\n<script>alert(1)</script>\n\n<b>bold</b>\n` }),
    ]);
    await run();
    const page = readFileSync(join(outDir, "labs/02-beta/index.html"), "utf8");
    expect(page).not.toContain("<script>alert(1)");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("fails on math KaTeX cannot read, naming the file", async () => {
    const { run } = build([alpha(), beta({ readme: `${beta().readme}\n$$\n\\frac{1}{\n$$\n` })]);
    await expect(run()).rejects.toThrow(/02-beta\/README\.md: KaTeX parse error/);
  });

  it("never empties a folder it did not make", async () => {
    const labsDir = writeLabs([alpha(), beta()]);
    const outDir = mkdtempSync(join(tmpdir(), "llm-labs-not-a-site-"));
    made.push(labsDir, outDir);
    writeFileSync(join(outDir, "notes.txt"), "mine");
    await expect(buildSite({ labsDir, outDir, api: false })).rejects.toThrow(
      /refusing to empty .*: it is not a site this build made/,
    );
    expect(readFileSync(join(outDir, "notes.txt"), "utf8")).toBe("mine");
    await expect(buildSite({ labsDir, outDir: labsDir, api: false })).rejects.toThrow(
      /holds the course's own files/,
    );
  });
});
