// The link checker: reads every HTML page of the built site and follows every
// href and src. An internal link must reach a file, and its #anchor an id in
// that page. External links are listed, never fetched (no network here).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

export interface Broken {
  page: string; // site-relative path of the page that links
  href: string;
  why: string;
}

export interface LinkReport {
  pages: string[]; // every HTML page, site-relative, sorted
  internal: number; // internal links followed
  broken: Broken[];
  external: Map<string, Set<string>>; // URL → the pages that link to it
}

export function htmlPages(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".html")) out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out;
}

function decodeAttr(v: string): string {
  return v
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function checkLinks(siteDir: string): LinkReport {
  const pages = htmlPages(siteDir);
  const html = new Map(pages.map((p) => [p, readFileSync(join(siteDir, p), "utf8")]));
  const idCache = new Map<string, Set<string>>();
  const idsOf = (page: string) => {
    let ids = idCache.get(page);
    if (!ids) {
      const text = html.get(page) ?? readFileSync(join(siteDir, page), "utf8");
      ids = new Set([...text.matchAll(/\s(?:id|name)="([^"]*)"/g)].map((m) => decodeAttr(m[1])));
      idCache.set(page, ids);
    }
    return ids;
  };

  const report: LinkReport = { pages, internal: 0, broken: [], external: new Map() };
  for (const [page, text] of html) {
    for (const m of text.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const href = decodeAttr(m[1]);
      if (href === "" || href === "#" || /^(data|mailto|javascript):/i.test(href)) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) {
        if (!/^https?:/i.test(href)) continue;
        if (!report.external.has(href)) report.external.set(href, new Set());
        report.external.get(href)!.add(page);
        continue;
      }
      report.internal++;
      const hash = href.indexOf("#");
      const pathPart = (hash < 0 ? href : href.slice(0, hash)).replace(/\?.*$/, "");
      const frag = hash < 0 ? "" : safeDecode(href.slice(hash + 1));
      if (pathPart.startsWith("/")) {
        report.broken.push({
          page,
          href,
          why: "a root-absolute link breaks when the site is opened from disk or served under a path",
        });
        continue;
      }
      let target = pathPart === "" ? page : join(dirname(page), safeDecode(pathPart)).split(sep).join("/");
      if (target.startsWith("..")) {
        report.broken.push({ page, href, why: "points outside the site" });
        continue;
      }
      const abs = join(siteDir, target);
      if (existsSync(abs) && statSync(abs).isDirectory())
        target = join(target, "index.html").split(sep).join("/");
      if (!existsSync(join(siteDir, target))) {
        report.broken.push({ page, href, why: `no file ${target}` });
        continue;
      }
      if (frag && target.endsWith(".html") && !idsOf(target).has(frag)) {
        report.broken.push({ page, href, why: `${target} has no element with id "${frag}"` });
      }
    }
  }
  return report;
}

export function formatExternal(external: Map<string, Set<string>>): string {
  const lines = [...external.keys()]
    .sort()
    .map((url) => `${url}\t${[...external.get(url)!].sort().join(" ")}`);
  return `# External links of the course site (URL, then the pages that link to it). Listed, not fetched.\n${lines.join("\n")}\n`;
}
