// Builds the course site: one page per lab (its README, then its plots,
// readings and exercises from the manifest), the docs/ pages, the reading list
// built from docs/readings.json, typedoc API pages, and the link check.
//
// Every path a page links to is a file of the repository; the site keeps the
// repository's layout, so a README's relative links work both on GitHub and
// here: labs/NN-name/README.md → labs/NN-name/index.html, docs/x.md → x.html,
// an image → a copy at the same place, any other file → a highlighted view at
// the same place plus ".html".
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, posix, relative, resolve, sep } from "node:path";
import { REPO_ROOT, UserError, defaultCourse, discoverLabs, type Lab } from "@llm-labs/kit";
import { checkReadings } from "../check-readings.ts";
import { buildApi } from "./api.ts";
import { checkLinks, formatExternal, type LinkReport } from "./links.ts";
import { createMarkdown, escapeHtml, highlight, mdText, type LinkEnv, type Markdown } from "./markdown.ts";
import { READINGS_FILE, SEED_LISTS, loadReadings, type ReadingsData, type SeedEntry } from "./seeds.ts";

export interface BuildOptions {
  root?: string; // the repository (docs/, packages/, node_modules/)
  labsDir?: string; // where the labs are; fixtures in tests
  docsDir?: string;
  outDir?: string;
  readingsFile?: string;
  api?: boolean; // typedoc pages (the slow part: seconds)
}

export interface ReadingCoverage {
  entries: number;
  covered: number; // entries whose URL a lab cites
  withoutLink: number; // entries the lists name without a URL
  perList: { name: string; entries: number; covered: number }[];
}

export interface BuildReport {
  outDir: string;
  labs: Lab[];
  pages: string[];
  readings: ReadingCoverage;
  seedCitations: number; // seed readings the labs cite, all found in the lists
  links: LinkReport;
  apiMs: number | undefined;
  externalFile: string;
}

const IMAGE_EXT = new Set([".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"]);
const LANG_BY_EXT: Record<string, string> = {
  ".ts": "typescript",
  ".mts": "typescript",
  ".js": "javascript",
  ".mjs": "javascript",
  ".json": "json",
  ".md": "markdown",
  ".sh": "bash",
  ".py": "python",
  ".yml": "yaml",
  ".yaml": "yaml",
};

// The "Course" part of the nav: these pages first, in this order, then every
// other docs/*.md by name, each under its own first heading.
const DOC_ORDER = ["exercises", "glossary", "readings", "authoring-a-lab"];

type Job = { kind: "markdown" | "source" | "copy"; abs: string };

// A file worth a highlighted page: small, and text (no NUL byte in its first 8 KiB).
const MAX_SOURCE_BYTES = 200_000;
function isReadableText(abs: string): boolean {
  if (statSync(abs).size > MAX_SOURCE_BYTES) return false;
  return !readFileSync(abs).subarray(0, 8192).includes(0);
}

function toPosix(p: string): string {
  return p.split(sep).join("/");
}

// The href from one site page to another site path.
export function relUrl(fromPage: string, to: string): string {
  const r = posix.relative(posix.dirname(fromPage), to);
  return r === "" ? posix.basename(to) : r;
}

export async function buildSite(opts: BuildOptions = {}): Promise<BuildReport> {
  const root = opts.root ?? REPO_ROOT;
  const docsDir = opts.docsDir ?? join(root, "docs");
  const outDir = resolve(opts.outDir ?? join(root, "site"));
  const course = { ...defaultCourse(root), labsDir: opts.labsDir ?? join(root, "labs") };
  const display = (abs: string) => (abs.startsWith(root + sep) ? toPosix(relative(root, abs)) : abs);

  // 1. The labs, and the rules a lab page needs before anything is written.
  const labs = discoverLabs(course).map((l) => ({ ...l, dir: realpathSync(l.dir) }));
  const noReadme = labs.filter((l) => !existsSync(join(l.dir, "README.md")));
  if (noReadme.length) {
    throw new UserError(
      noReadme.map((l) => `${display(l.dir)} has no README.md`).join("; ") +
        ": every lab's page on the course site is its README (see docs/authoring-a-lab.md)",
    );
  }
  const readings = loadReadings(opts.readingsFile ?? READINGS_FILE);
  const citeProblems = checkReadings(labs, readings.entries);
  if (citeProblems.length)
    throw new UserError(
      `readings a lab cites from a seed list are not in that list (docs/readings.json):\n  ${citeProblems.join("\n  ")}`,
    );
  const seedCitations = labs.reduce(
    (n, l) => n + l.manifest.readings.filter((r) => r.source.startsWith("seed:")).length,
    0,
  );

  const api = opts.api ?? true;
  if (api) {
    const noIndex = labs.filter((l) => !existsSync(join(l.dir, "src", "index.ts")));
    if (noIndex.length)
      throw new UserError(
        `${noIndex.map((l) => display(l.dir)).join(", ")}: no src/index.ts, the lab's public API the API pages are built from (see docs/authoring-a-lab.md)`,
      );
  }

  // 2. A clean output folder. It is emptied first, so it must be one this
  // build made (it leaves a marker file) or an empty one, and hold no course file.
  const MARKER = ".llm-labs-site";
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + sep);
  const sources = [
    docsDir,
    course.labsDir,
    join(root, "labs"),
    join(root, "packages"),
    join(root, "scripts"),
  ].map((p) => resolve(p));
  if (inside(resolve(root), outDir) || sources.some((p) => inside(p, outDir) || inside(outDir, p))) {
    throw new UserError(`refusing to build the site into ${outDir}: it holds the course's own files`);
  }
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(join(outDir, MARKER))) {
    throw new UserError(
      `refusing to empty ${outDir}: it is not a site this build made (no ${MARKER}); pick another --out`,
    );
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, MARKER), "made by npm run docs; the next build empties this folder\n");
  copyAssets(root, docsDir, outDir);

  // 3. API pages first, so lab pages can link to theirs.
  let apiPages = new Map<string, string>();
  let apiMs: number | undefined;
  if (api) {
    const packagesDir = join(root, "packages");
    const entries = [
      ...(existsSync(packagesDir) ? readdirSync(packagesDir).sort() : [])
        .filter((p) => existsSync(join(packagesDir, p, "src", "index.ts")))
        .map((p) => ({
          name: JSON.parse(readFileSync(join(packagesDir, p, "package.json"), "utf8")).name as string,
          file: join(packagesDir, p, "src", "index.ts"),
        })),
      ...labs.map((l) => ({ name: l.packageName, file: realpathSync(join(l.dir, "src", "index.ts")) })),
    ];
    // The program holds the entry points and what they import, nothing else
    // (a demo's or a bench's imports would only slow typedoc down).
    const tsconfig = join(outDir, ".tsconfig.api.json");
    writeFileSync(
      tsconfig,
      JSON.stringify(
        { extends: join(root, "tsconfig.base.json"), files: entries.map((e) => e.file) },
        null,
        2,
      ),
    );
    const result = await buildApi(entries, join(outDir, "api"), {
      tsconfig,
      favicon: join(docsDir, "assets", "favicon.svg"),
    });
    rmSync(tsconfig);
    apiPages = new Map([...result.pages].map(([name, url]) => [name, `api/${url}`]));
    apiMs = result.ms;
  }

  // 4. Pages.
  const md = createMarkdown();
  const docPages = (existsSync(docsDir) ? readdirSync(docsDir) : []).filter((f) => f.endsWith(".md")).sort();
  if (!docPages.includes("overview.md"))
    throw new UserError(`${display(docsDir)} has no overview.md: it is the site's home page`);
  const titleOf = (f: string) =>
    /^#\s+(.+)$/m.exec(readFileSync(join(docsDir, f), "utf8"))?.[1].trim() ?? f.replace(/\.md$/, "");
  const rank = (name: string) => (DOC_ORDER.includes(name) ? DOC_ORDER.indexOf(name) : DOC_ORDER.length);
  const docNav: [string, string][] = [
    ...docPages.filter((f) => f !== "overview.md").map((f) => f.replace(/\.md$/, "")),
    "readings",
  ]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => [`${name}.html`, name === "readings" ? "Reading list" : titleOf(`${name}.md`)]);
  const site = new Site({ root, docsDir, outDir, labs, md, display, hasApi: api, docNav });

  const coverage = coverageOf(readings, labs);
  site.markdownPage(join(docsDir, "overview.md"), "index.html", { intro: homeExtras(labs) });
  for (const f of docPages.filter((f) => f !== "overview.md"))
    site.markdownPage(join(docsDir, f), f.replace(/\.md$/, ".html"));
  for (const lab of labs) {
    const readme = join(lab.dir, "README.md");
    const source = readFileSync(readme, "utf8");
    const env = site.markdownPage(readme, `labs/${lab.folder}/index.html`, {
      extra: labExtras(lab, source, readings, coverage.byUrl, apiPages),
      meta: labMeta(lab, labs),
    });
    site.readmeRule(lab, env.external);
  }
  site.htmlPage("readings.html", "Reading list", ...readingListPage(readings, coverage, labs));
  site.drain();
  site.throwReadmeProblems();

  // 5. The link check over everything written, typedoc's pages included.
  const links = checkLinks(outDir);
  const externalFile = join(outDir, "external-links.txt");
  writeFileSync(externalFile, formatExternal(links.external));
  if (links.broken.length) {
    const shown = links.broken.slice(0, 20).map((b) => `${b.page}: ${b.href} (${b.why})`);
    throw new UserError(
      `${links.broken.length} broken links in the built site:\n  ${shown.join("\n  ")}${links.broken.length > 20 ? "\n  …" : ""}`,
    );
  }
  return {
    outDir,
    labs,
    pages: links.pages,
    readings: coverage.summary,
    seedCitations,
    links,
    apiMs,
    externalFile,
  };
}

// ─── pages ────────────────────────────────────────────────────────────────

interface SiteContext {
  root: string;
  docsDir: string;
  outDir: string;
  labs: Lab[];
  md: Markdown;
  display: (abs: string) => string;
  hasApi: boolean;
  docNav: [string, string][]; // site path, title
}

class Site {
  private jobs = new Map<string, Job>(); // site path → what to write there
  private done = new Set<string>();
  private readmeProblems: string[] = [];

  constructor(private ctx: SiteContext) {}

  // Where a repository file lives in the site.
  private sitePathOf(abs: string, from: string): { site: string; job: Job } {
    const { root, docsDir, labs, display } = this.ctx;
    if (existsSync(abs) && statSync(abs).isDirectory()) {
      if (!existsSync(join(abs, "README.md")))
        throw new UserError(`${from} links to the folder ${display(abs)}, which has no README.md`);
      abs = join(abs, "README.md");
    }
    abs = realpathSync(abs);
    let base: string;
    let rel: string;
    const lab = labs.find((l) => abs.startsWith(l.dir + sep));
    if (lab) [base, rel] = [`labs/${lab.folder}`, toPosix(relative(lab.dir, abs))];
    else if (abs.startsWith(docsDir + sep)) [base, rel] = ["", toPosix(relative(docsDir, abs))];
    else if (abs.startsWith(root + sep)) [base, rel] = ["", toPosix(relative(root, abs))];
    else throw new UserError(`${from} links to ${abs}, which is outside the repository`);
    const ext = extname(rel).toLowerCase();
    if (
      (lab && rel === "README.md") ||
      (!lab && abs === join(root, "README.md")) ||
      (!lab && abs === join(docsDir, "overview.md"))
    ) {
      return { site: lab ? `${base}/index.html` : "index.html", job: { kind: "markdown", abs } };
    }
    const at = (p: string) => (base ? `${base}/${p}` : p);
    if (ext === ".md")
      return {
        site: at(rel.replace(/README\.md$/, "index.md").replace(/\.md$/, ".html")),
        job: { kind: "markdown", abs },
      };
    if (IMAGE_EXT.has(ext)) return { site: at(rel), job: { kind: "copy", abs } };
    // Code and text get a highlighted page; anything else (a .safetensors file,
    // an .onnx model, a large data file) is copied as it is, for download.
    if (!isReadableText(abs)) return { site: at(rel), job: { kind: "copy", abs } };
    return { site: at(`${rel}.html`), job: { kind: "source", abs } };
  }

  private linkEnv(sourceAbs: string, page: string): LinkEnv & { external: string[] } {
    const from = this.ctx.display(sourceAbs);
    const external: string[] = [];
    return {
      external,
      resolve: (href: string) => {
        if (href.startsWith("site:/")) return relUrl(page, href.slice("site:/".length));
        if (href.startsWith("#") || href === "") return href;
        if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) {
          if (/^https?:/i.test(href)) external.push(href);
          return href;
        }
        const hash = href.indexOf("#");
        const pathPart = decodeURI(hash < 0 ? href : href.slice(0, hash));
        const frag = hash < 0 ? "" : href.slice(hash);
        const abs = resolve(dirname(sourceAbs), pathPart);
        if (!existsSync(abs))
          throw new UserError(
            `${from} links to ${pathPart}, which does not exist (${this.ctx.display(abs)})`,
          );
        const { site, job } = this.sitePathOf(abs, from);
        if (!this.done.has(site) && !this.jobs.has(site)) this.jobs.set(site, job);
        return encodeURI(relUrl(page, site)) + frag;
      },
    };
  }

  // meta: under the title; intro: before the first section; extra: at the end.
  markdownPage(
    abs: string,
    page: string,
    opts: { extra?: string; meta?: string; intro?: string } = {},
  ): { external: string[] } {
    this.done.add(page);
    this.jobs.delete(page);
    let source = readFileSync(abs, "utf8");
    // The lab's facts go under its title; the generated sections after the README.
    if (opts.meta)
      source = /^#\s.*$/m.test(source)
        ? source.replace(/^(#\s.*)$/m, `$1\n\n${opts.meta}\n`)
        : `${opts.meta}\n\n${source}`;
    if (opts.intro)
      source = /^##\s/m.test(source)
        ? source.replace(/^(##\s)/m, `${opts.intro}\n$1`)
        : `${source.trimEnd()}\n\n${opts.intro}`;
    if (opts.extra) source = `${source.trimEnd()}\n\n${opts.extra}`;
    const env = this.linkEnv(abs, page);
    const r = this.ctx.md.render(source, env, this.ctx.display(abs));
    this.write(page, r.title ?? this.ctx.display(abs), r.html, r.toc);
    return env;
  }

  htmlPage(page: string, title: string, body: string, toc: string): void {
    this.done.add(page);
    this.write(page, title, body, toc);
  }

  // Every page a page linked to, until none is left.
  drain(): void {
    for (let next = this.jobs.entries().next(); !next.done; next = this.jobs.entries().next()) {
      const [site, job] = next.value;
      this.jobs.delete(site);
      this.done.add(site);
      if (job.kind === "markdown") this.markdownPage(job.abs, site);
      else if (job.kind === "copy") {
        mkdirSync(dirname(join(this.ctx.outDir, site)), { recursive: true });
        copyFileSync(job.abs, join(this.ctx.outDir, site));
      } else {
        const path = this.ctx.display(job.abs);
        const code = readFileSync(job.abs, "utf8");
        const lab = this.ctx.labs.find((l) => job.abs.startsWith(l.dir + sep));
        const back = lab
          ? `<p class="source-of">A file of <a href="${escapeHtml(relUrl(site, `labs/${lab.folder}/index.html`))}">${escapeHtml(lab.manifest.title)}</a>.</p>`
          : "";
        this.write(
          site,
          path,
          `<h1><code>${escapeHtml(path)}</code></h1>${back}${highlight(code, LANG_BY_EXT[extname(job.abs)] ?? "")}`,
          "",
        );
      }
    }
  }

  // "EVERY external URL linked in a lab README must also be a reading in that lab's manifest."
  readmeRule(lab: Lab, external: string[]): void {
    const known = new Set(lab.manifest.readings.map((r) => this.ctx.md.normalizeLink(r.url)));
    for (const url of new Set(external)) {
      if (!known.has(url)) {
        this.readmeProblems.push(
          `${this.ctx.display(join(lab.dir, "README.md"))} links to ${url}, which is not a reading in its manifest`,
        );
      }
    }
  }

  throwReadmeProblems(): void {
    if (this.readmeProblems.length) {
      throw new UserError(
        `${this.readmeProblems.join("\n  ")}\n  (every external link in a lab's README must be in "lab.readings" of its package.json; add it there, or drop the link)`,
      );
    }
  }

  private write(page: string, title: string, body: string, toc: string): void {
    const file = join(this.ctx.outDir, page);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, layout(page, title, body, toc, this.ctx));
  }
}

function layout(
  page: string,
  title: string,
  body: string,
  toc: string,
  { labs, hasApi, docNav }: SiteContext,
): string {
  const to = (p: string) => escapeHtml(relUrl(page, p));
  const here = (p: string) => (p === page ? ' aria-current="page"' : "");
  const top: [string, string][] = [
    ["index.html", "Overview"],
    ["exercises.html", "Exercises"],
    ["glossary.html", "Glossary"],
    ["readings.html", "Reading list"],
    ...(hasApi ? ([["api/index.html", "API"]] as [string, string][]) : []),
  ];
  const labLinks = labs
    .map((l) => {
      const p = `labs/${l.folder}/index.html`;
      const current = page.startsWith(`labs/${l.folder}/`) ? ' aria-current="page"' : "";
      return `<li><a href="${to(p)}"${current}><span class="num">${String(l.manifest.order).padStart(2, "0")}</span> ${escapeHtml(l.manifest.title)}</a></li>`;
    })
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · LLM Labs</title>
<link rel="icon" href="${to("assets/favicon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="${to("assets/katex/katex.min.css")}">
<link rel="stylesheet" href="${to("assets/hljs.css")}">
<link rel="stylesheet" href="${to("assets/site.css")}">
</head>
<body>
<header class="top">
<a class="brand" href="${to("index.html")}">LLM Labs</a>
<nav class="top-nav">${top.map(([p, t]) => `<a href="${to(p)}"${here(p)}>${t}</a>`).join("")}</nav>
</header>
<div class="layout">
<nav class="side" aria-label="Labs">
<h2>Labs</h2>
<ol class="labs">${labLinks}</ol>
<h2>Course</h2>
<ul>${docNav.map(([p, t]) => `<li><a href="${to(p)}"${here(p)}>${escapeHtml(t)}</a></li>`).join("")}</ul>
</nav>
<main>
${toc ? `<aside class="on-this-page"><h2>On this page</h2>${toc}</aside>` : ""}
<article class="content">
${body}
</article>
<footer>LLM Labs: build the pieces of an LLM in TypeScript. Built by <code>npm run docs</code>.</footer>
</main>
</div>
</body>
</html>
`;
}

function copyAssets(root: string, docsDir: string, outDir: string): void {
  const assets = join(outDir, "assets");
  mkdirSync(join(assets, "katex", "fonts"), { recursive: true });
  const mine = join(docsDir, "assets");
  if (existsSync(mine)) for (const f of readdirSync(mine)) copyFileSync(join(mine, f), join(assets, f));
  // KaTeX's stylesheet and fonts (woff2 is listed first in every @font-face, so
  // every browser that runs the site takes it) and highlight.js's theme: the
  // site works offline, from disk or from npm run docs:serve.
  const require = createRequire(join(root, "package.json"));
  const katexDist = join(dirname(require.resolve("katex/package.json")), "dist");
  copyFileSync(join(katexDist, "katex.min.css"), join(assets, "katex", "katex.min.css"));
  for (const f of readdirSync(join(katexDist, "fonts")))
    if (f.endsWith(".woff2")) copyFileSync(join(katexDist, "fonts", f), join(assets, "katex", "fonts", f));
  copyFileSync(
    join(dirname(require.resolve("highlight.js/package.json")), "styles", "github.min.css"),
    join(assets, "hljs.css"),
  );
}

// ─── what the site adds to the markdown ───────────────────────────────────

function labUrl(lab: Lab): string {
  return `site:/labs/${lab.folder}/index.html`;
}

function homeExtras(labs: Lab[]): string {
  const rows = labs.map(
    (l) =>
      `| ${l.manifest.order} | [${mdText(l.manifest.title)}](<${labUrl(l)}>) | ${mdText(l.manifest.summary)} | ${l.manifest.minutes} min |`,
  );
  return [
    "## The labs",
    "",
    "| # | Lab | What you build | Time |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

function labMeta(lab: Lab, labs: Lab[]): string {
  const m = lab.manifest;
  const pre = m.prerequisites
    .map((p) => labs.find((l) => l.id === p)!)
    .map((l) => `[${mdText(l.manifest.title)}](<${labUrl(l)}>)`);
  const parts = [
    `**Lab ${m.order}** · about ${m.minutes} minutes · ${m.exercises.length} exercises`,
    pre.length ? `after ${pre.join(", ")}` : "",
    `concepts: ${m.concepts.map(mdText).join(", ")}`,
  ];
  return `> ${parts.filter(Boolean).join(" · ")}`;
}

function labExtras(
  lab: Lab,
  readme: string,
  readings: ReadingsData,
  byUrl: Map<string, Lab[]>,
  apiPages: Map<string, string>,
): string {
  const out: string[] = [];
  const m = lab.manifest;

  // Plots the README does not already show.
  const plotsDir = join(lab.dir, "plots");
  const plots = existsSync(plotsDir)
    ? readdirSync(plotsDir)
        .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
        .sort()
    : [];
  const shown = new Set([...readme.matchAll(/!\[[^\]]*\]\((?:\.\/)?plots\/([^)\s#]+)\)/g)].map((x) => x[1]));
  const rest = plots.filter((p) => !shown.has(p));
  if (rest.length) {
    out.push(
      "## Plots",
      "",
      `Written by the lab's demo (\`npm run lab ${m.id}\`); \`npm run plots\` writes every lab's again.`,
      "",
    );
    for (const p of rest) out.push(`![${mdText(p)}](plots/${encodeURI(p)})`, "");
  }

  out.push(
    "## Readings of this lab",
    "",
    `From the lab's manifest. Seed readings link to their place in the [reading list](site:/readings.html).`,
    "",
  );
  const kinds: [string, (s: string) => boolean][] = [
    ["From the seed lists", (s) => s.startsWith("seed:")],
    ["Papers", (s) => s === "paper"],
    ["Documentation", (s) => s === "docs"],
  ];
  for (const [heading, pick] of kinds) {
    const rs = m.readings.filter((r) => pick(r.source));
    if (!rs.length) continue;
    out.push(`**${heading}**`, "");
    for (const r of rs) {
      let where = "";
      if (r.source === "seed:llm-resource" || r.source === "seed:llm-action") {
        const i = readings.entries.findIndex((e) => e.list === r.source && e.url === r.url);
        const e = readings.entries[i];
        where = ` · ${SEED_LISTS[r.source].name} list, ${mdText(e.section.join(" › "))} ([in the reading list](site:/readings.html#${entryId(readings, i)}))`;
      }
      out.push(`- [${mdText(r.title)}](<${r.url}>)${where}${r.note ? `: ${mdText(r.note)}` : ""}`);
    }
    out.push("");
  }
  const others = m.readings
    .filter((r) => r.source.startsWith("seed:"))
    .flatMap((r) => (byUrl.get(r.url) ?? []).filter((l) => l !== lab));
  if (others.length)
    out.push(
      `Other labs that cite these seed readings: ${[...new Set(others)].map((l) => `[${mdText(l.manifest.title)}](<${labUrl(l)}>)`).join(", ")}.`,
      "",
    );

  if (m.exercises.length) {
    out.push("## Exercises of this lab", "", "| Exercise | What you write | File |", "| --- | --- | --- |");
    for (const e of m.exercises)
      out.push(`| \`${e.id}\` | ${mdText(e.title)} | [${mdText(e.file)}](${e.file}) |`);
    out.push(
      "",
      `Start with \`npm run exercise -- start ${m.id}\`, check with \`npm run exercise -- check ${m.id}\`; [how the exercises work](site:/exercises.html).`,
      "",
    );
  }
  const apiPage = apiPages.get(lab.packageName);
  if (apiPage)
    out.push(
      "## API",
      "",
      `What \`src/index.ts\` exports, for later labs and for you: [${mdText(lab.packageName)}](site:/${apiPage}).`,
      "",
    );
  return out.join("\n");
}

// ─── the reading list ─────────────────────────────────────────────────────

function listName(e: SeedEntry): string {
  return SEED_LISTS[e.list].name;
}

// A stable anchor for an entry: its list and its place in that list.
function entryId(readings: ReadingsData, index: number): string {
  const e = readings.entries[index];
  const n = readings.entries.slice(0, index + 1).filter((x) => x.list === e.list).length;
  return `r-${listName(e)}-${n}`;
}

function coverageOf(readings: ReadingsData, labs: Lab[]) {
  const byUrl = new Map<string, Lab[]>();
  for (const lab of labs) {
    for (const r of lab.manifest.readings) {
      const ls = byUrl.get(r.url) ?? [];
      if (!ls.includes(lab)) ls.push(lab);
      byUrl.set(r.url, ls);
    }
  }
  const isCovered = (e: SeedEntry) => !!e.url && byUrl.has(e.url);
  const summary: ReadingCoverage = {
    entries: readings.entries.length,
    covered: readings.entries.filter(isCovered).length,
    withoutLink: readings.entries.filter((e) => !e.url).length,
    perList: readings.lists.map((l) => {
      const es = readings.entries.filter((e) => e.list === l.id);
      return { name: l.name, entries: es.length, covered: es.filter(isCovered).length };
    }),
  };
  return { byUrl, summary };
}

function readingListPage(
  readings: ReadingsData,
  coverage: ReturnType<typeof coverageOf>,
  labs: Lab[],
): [string, string] {
  const { summary, byUrl } = coverage;
  const body: string[] = [];
  const toc: string[] = [];
  body.push(`<h1 id="reading-list">Reading list</h1>`);
  body.push(
    `<p>Every entry of the course's two seed reading lists, grouped by the lists' own sections: ` +
      readings.lists.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.title)}</a>`).join(" and ") +
      `, both by liguodongiot, in Chinese. The titles are the lists' own; the entries are carried as data in <code>docs/readings.json</code>. ` +
      `An entry a lab cites links to that lab; the rest are marked <span class="todo">not yet covered</span>.</p>`,
  );
  body.push(
    `<p class="coverage"><strong>${summary.entries}</strong> entries, <strong>${summary.covered}</strong> covered by a lab, ${summary.entries - summary.covered} not yet covered` +
      ` (${summary.withoutLink} of them are named by their list without a link yet).</p>`,
  );
  const perLab = labs.map(
    (l) =>
      `<li><a href="labs/${escapeHtml(l.folder)}/index.html">${escapeHtml(l.manifest.title)}</a>: ${l.manifest.readings.filter((r) => r.source.startsWith("seed:")).length} seed readings</li>`,
  );
  body.push(`<ul class="per-lab">${perLab.join("")}</ul>`);

  for (const list of readings.lists) {
    const listId = `list-${list.name}`;
    const stats = summary.perList.find((p) => p.name === list.name)!;
    body.push(`<h2 id="${listId}">${escapeHtml(list.title)}</h2>`);
    body.push(
      `<p>From <a href="${escapeHtml(list.url)}">${escapeHtml(list.url)}</a> (<code>seeds/${escapeHtml(list.file)}</code>): ${stats.entries} entries, ${stats.covered} covered.</p>`,
    );
    const sub: string[] = [];
    let lastTop = "";
    let lastSub = "";
    let open = false;
    let sectionN = 0;
    readings.entries.forEach((e, i) => {
      if (e.list !== list.id) return;
      const [top = "", second = ""] = e.section;
      if (top !== lastTop || second !== lastSub) {
        if (open) body.push("</ul>");
        sectionN++;
        const id = `s-${list.name}-${sectionN}`;
        if (top !== lastTop) {
          body.push(`<h3 id="${id}">${escapeHtml(top || "(before the first section)")}</h3>`);
          sub.push(`<li><a href="#${id}">${escapeHtml(top)}</a></li>`);
        }
        if (second)
          body.push(`<h4 id="${id}-${slug(second)}">${escapeHtml(e.section.slice(1).join(" › "))}</h4>`);
        body.push(`<ul class="readings">`);
        open = true;
        lastTop = top;
        lastSub = second;
      }
      const cited = e.url ? (byUrl.get(e.url) ?? []) : [];
      const title = e.url
        ? `<a href="${escapeHtml(e.url)}">${escapeHtml(e.title)}</a>`
        : `<span class="nolink">${escapeHtml(e.title)}</span>`;
      const ctx = e.context ? `<span class="ctx">${escapeHtml(e.context)}</span> ` : "";
      const status = cited.length
        ? cited
            .map(
              (l) =>
                `<a class="lab-chip" href="labs/${escapeHtml(l.folder)}/index.html">Lab ${l.manifest.order} · ${escapeHtml(l.id)}</a>`,
            )
            .join(" ")
        : `<span class="todo">not yet covered${e.url ? "" : " · no link in the list yet"}</span>`;
      body.push(
        `<li id="${entryId(readings, i)}" class="${cited.length ? "covered" : "uncovered"}">${ctx}${title} ${status}</li>`,
      );
    });
    if (open) body.push("</ul>");
    toc.push(`<li><a href="#${listId}">${escapeHtml(list.name)}</a><ul>${sub.join("")}</ul></li>`);
  }
  return [body.join("\n"), `<nav class="toc"><ul>${toc.join("")}</ul></nav>`];
}

function slug(s: string): string {
  return encodeURIComponent(s.toLowerCase().replace(/\s+/g, "-")).replace(/%/g, "");
}
