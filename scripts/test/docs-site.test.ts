// The real course site: built once (typedoc included), link-checked, then
// loaded page by page in Debian's chromium through playwright-core.
//
// LLM_LABS_LABS_DIR points the build at another labs folder (as npm run docs does).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { REPO_ROOT } from "@llm-labs/kit";
import { summary } from "../docs/build.ts";
import { serveDir, type Served } from "../docs/serve.ts";
import { buildSite, type BuildReport } from "../docs/site.ts";
import { createMarkdown, escapeHtml } from "../docs/markdown.ts";
import { loadReadings } from "../docs/seeds.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const SHOTS = join(REPO_ROOT, "test-output", "docs-site");
if (!hasChromium)
  console.warn(
    `docs-site: the browser test is skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does it in CI)`,
  );

let report: BuildReport;
let outDir: string;
const readings = loadReadings();
// A lab page's links are as markdown-it writes them (non-ASCII percent-encoded).
const md = createMarkdown();
const asLinked = (url: string) => md.normalizeLink(url);

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "llm-labs-site-"));
  const t0 = Date.now();
  report = await buildSite({ outDir, labsDir: process.env.LLM_LABS_LABS_DIR, api: true });
  console.log(
    `docs-site: built ${report.pages.length} pages in ${((Date.now() - t0) / 1000).toFixed(1)} s (typedoc ${((report.apiMs ?? 0) / 1000).toFixed(1)} s)`,
  );
  // What npm run docs prints: the reading list's count, the link check, the external links.
  for (const line of summary(report)) console.log(`docs-site: ${line}`);
}, 180_000);
afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe("the course site", { timeout: 30_000 }, () => {
  it("has 0 broken internal links, and lists its external links without fetching them", () => {
    expect(report.links.broken).toEqual([]);
    expect(report.links.internal).toBeGreaterThan(100);
    const listed = readFileSync(report.externalFile, "utf8");
    for (const lab of report.labs)
      for (const r of lab.manifest.readings) expect(listed).toContain(`${asLinked(r.url)}\t`);
  });

  it("shows every entry of both seed lists, each linked to a lab or marked not yet covered, and prints the count", () => {
    const page = readFileSync(join(outDir, "readings.html"), "utf8");
    const items = [...page.matchAll(/<li id="r-[^"]+" class="(covered|uncovered)">(.*)<\/li>/g)];
    expect(items.length).toBe(readings.entries.length);
    for (const [, cls, inner] of items)
      expect(inner).toMatch(
        cls === "covered" ? /class="lab-chip" href="labs\// : /class="todo">not yet covered/,
      );
    expect(items.filter((m) => m[1] === "covered").length).toBe(report.readings.covered);
    const cited = new Set(report.labs.flatMap((l) => l.manifest.readings.map((r) => r.url)));
    expect(report.readings.covered).toBe(readings.entries.filter((e) => e.url && cited.has(e.url)).length);
    expect(summary(report)).toContain(
      `reading list: ${readings.entries.length} entries (llm-resource ${readings.entries.filter((e) => e.list === "seed:llm-resource").length}, llm-action ${readings.entries.filter((e) => e.list === "seed:llm-action").length}), ${report.readings.covered} covered by a lab, ${readings.entries.length - report.readings.covered} not yet covered`,
    );
  });

  it("gives every lab a page with its readings and its plots, and an API page", () => {
    for (const lab of report.labs) {
      const page = readFileSync(join(outDir, "labs", lab.folder, "index.html"), "utf8");
      for (const r of lab.manifest.readings) expect(page).toContain(`href="${escapeHtml(asLinked(r.url))}"`);
      const plots = existsSync(join(lab.dir, "plots"))
        ? readdirSync(join(lab.dir, "plots")).filter((f) => f.endsWith(".svg"))
        : [];
      for (const p of plots) {
        expect(existsSync(join(outDir, "labs", lab.folder, "plots", p))).toBe(true);
        expect(page).toContain(`src="plots/${p}"`);
      }
      expect(page).toMatch(/href="\.\.\/\.\.\/api\/modules\/[^"]+\.html"/);
    }
    expect(report.apiMs).toBeGreaterThan(0);
  });

  it("has an API page for every package and every lab", () => {
    const names = [
      ...readdirSync(join(REPO_ROOT, "packages"))
        .filter((p) => existsSync(join(REPO_ROOT, "packages", p, "src", "index.ts")))
        .map(
          (p) =>
            JSON.parse(readFileSync(join(REPO_ROOT, "packages", p, "package.json"), "utf8")).name as string,
        ),
      ...report.labs.map((l) => l.packageName),
    ];
    // Typedoc breaks long names with <wbr>; the index's text names every module once.
    const index = readFileSync(join(outDir, "api", "index.html"), "utf8").replace(/<wbr\s*\/?>/g, "");
    const modules = readdirSync(join(outDir, "api", "modules"));
    expect(modules.length).toBe(names.length);
    for (const name of names) expect(index, name).toContain(`>${name}<`);
  });
});

describe.skipIf(!hasChromium)(
  hasChromium ? "the site in chromium" : `the site in chromium (skipped: no ${CHROMIUM})`,
  { timeout: 30_000 },
  () => {
    let browser: Browser;
    let served: Served;
    interface Seen {
      ids: Set<string>;
      links: string[];
      images: { src: string; width: number }[];
      katex: number;
      katexErrors: number;
    }
    const seen = new Map<string, Seen>(); // page path → what it showed
    const problems: string[] = [];

    beforeAll(async () => {
      const t0 = Date.now();
      served = await serveDir(outDir);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const origin = new URL(served.url).origin;
      // Four tabs at a time: the pages are independent.
      const queue = [...report.pages];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const tab = await context.newPage();
          let current = "";
          tab.on(
            "console",
            (m) => m.type() === "error" && problems.push(`${current}: console error: ${m.text()}`),
          );
          tab.on("pageerror", (e) => problems.push(`${current}: page error: ${e.message}`));
          // The favicon loads after "load", so moving to the next page may cancel it; nothing else may fail.
          tab.on(
            "requestfailed",
            (r) =>
              !r.url().endsWith("/favicon.svg") &&
              problems.push(`${current}: request failed: ${r.url()} (${r.failure()?.errorText})`),
          );
          tab.on(
            "response",
            (r) => r.status() >= 400 && problems.push(`${current}: HTTP ${r.status()} for ${r.url()}`),
          );
          for (let page = queue.shift(); page !== undefined; page = queue.shift()) {
            current = page;
            await tab.goto(served.url + page, { waitUntil: "load" });
            // KaTeX's fonts are fetched once the page lays math out, after "load".
            const s = await tab.evaluate(async () => {
              await document.fonts.ready;
              const failedFonts: string[] = [];
              document.fonts.forEach((f) => f.status === "error" && failedFonts.push(f.family));
              return {
                ids: Array.from(document.querySelectorAll("[id]"), (e) => e.id).concat(
                  Array.from(document.querySelectorAll("a[name]"), (e) => e.getAttribute("name")!),
                ),
                links: Array.from(document.querySelectorAll("a[href]"), (a) => (a as HTMLAnchorElement).href),
                images: Array.from(document.querySelectorAll("img"), (i) => ({
                  src: i.src,
                  width: i.naturalWidth,
                })),
                katex: document.querySelectorAll(".katex").length,
                katexErrors: document.querySelectorAll(".katex-error").length,
                fonts: failedFonts,
              };
            });
            if (s.fonts.length) problems.push(`${page}: fonts that did not load: ${s.fonts.join(", ")}`);
            seen.set(page, { ...s, ids: new Set(s.ids), links: s.links.filter((l) => l.startsWith(origin)) });
          }
          await tab.close();
        }),
      );
      console.log(
        `docs-site: ${seen.size} pages loaded in chromium in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await served?.close();
    });

    it("loads every page with no console errors, page errors or failed requests", () => {
      expect(seen.size).toBe(report.pages.length);
      expect(problems).toEqual([]);
    });

    it("resolves every internal link, #anchors included", async () => {
      const broken: string[] = [];
      const files = new Map<string, number>();
      for (const [page, s] of seen) {
        for (const link of s.links) {
          const url = new URL(link);
          let path = decodeURIComponent(url.pathname.slice(1));
          if (path === "" || path.endsWith("/")) path += "index.html";
          const target = seen.get(path);
          if (target) {
            const frag = decodeURIComponent(url.hash.slice(1));
            if (frag && !target.ids.has(frag)) broken.push(`${page}: ${link} (no #${frag})`);
          } else {
            if (!files.has(path)) files.set(path, (await fetch(link)).status);
            if (files.get(path) !== 200) broken.push(`${page}: ${link} (HTTP ${files.get(path)})`);
          }
        }
      }
      expect(broken).toEqual([]);
    });

    it("renders the math", () => {
      expect(seen.get("glossary.html")!.katex).toBeGreaterThan(20);
      expect(seen.get("index.html")!.katex).toBeGreaterThan(0);
      for (const [page, s] of seen) expect(s.katexErrors, page).toBe(0);
    });

    it("shows every lab's plots, loaded", () => {
      for (const [page, s] of seen)
        for (const img of s.images) expect(img.width, `${page}: ${img.src}`).toBeGreaterThan(0);
      for (const lab of report.labs) {
        const plots = existsSync(join(lab.dir, "plots"))
          ? readdirSync(join(lab.dir, "plots")).filter((f) => f.endsWith(".svg"))
          : [];
        const shown = seen
          .get(`labs/${lab.folder}/index.html`)!
          .images.filter((i) => i.src.includes(`/labs/${lab.folder}/plots/`));
        expect(new Set(shown.map((i) => i.src.split("/").pop())).size, lab.folder).toBe(plots.length);
      }
    });

    it("saves a screenshot of the home page and of a lab page", async () => {
      mkdirSync(SHOTS, { recursive: true });
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const lab =
        report.labs.find(
          (l) => existsSync(join(l.dir, "plots")) && readdirSync(join(l.dir, "plots")).length > 0,
        ) ?? report.labs[0];
      for (const [page, file] of [
        ["index.html", "home.png"],
        [`labs/${lab.folder}/index.html`, "lab.png"],
      ]) {
        await tab.goto(served.url + page, { waitUntil: "load" });
        await tab.screenshot({ path: join(SHOTS, file) });
        expect(readFileSync(join(SHOTS, file)).subarray(1, 4).toString()).toBe("PNG");
      }
      // And the lab's first plot, scrolled into view.
      const plot = tab.locator('img[src*="plots/"]').first();
      if ((await plot.count()) > 0) {
        await plot.scrollIntoViewIfNeeded();
        await tab.screenshot({ path: join(SHOTS, "lab-plot.png") });
      }
      await tab.close();
    });
  },
);
