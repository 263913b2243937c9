// The two seed reading lists, as data.
//
// The lists are markdown files written by hand (../shared/seeds/000_…txt is
// llm-resource, 002_…txt is llm-action). The course does not carry their prose;
// it carries their entries: the title as the list writes it, the URL, which
// list, and which of the list's sections it sits in. `parseSeedList` turns one
// list into entries; `npm run docs -- --import-readings` writes them to
// docs/readings.json, which the site and the checks read (CI has no ../shared).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { REPO_ROOT, UserError, describeZodError } from "@llm-labs/kit";

export const SEEDS_DIR = process.env.LLM_LABS_SEEDS ?? join(REPO_ROOT, "..", "shared", "seeds");
export const READINGS_FILE = join(REPO_ROOT, "docs", "readings.json");

export type SeedListId = "seed:llm-resource" | "seed:llm-action";

// Which file is which list, by the prefix of its name (DESIGN.md), and where
// each list is published.
export const SEED_LISTS: Record<SeedListId, { name: string; prefix: string; url: string }> = {
  "seed:llm-resource": {
    name: "llm-resource",
    prefix: "000_",
    url: "https://github.com/liguodongiot/llm-resource",
  },
  "seed:llm-action": {
    name: "llm-action",
    prefix: "002_",
    url: "https://github.com/liguodongiot/llm-action",
  },
};
export const SEED_LIST_IDS = Object.keys(SEED_LISTS) as SeedListId[];

export const SeedEntry = z
  .object({
    list: z.enum(["seed:llm-resource", "seed:llm-action"]),
    // The headings above the entry: ["LLM压缩", "LLM量化"].
    section: z.array(z.string().min(1)),
    // What the entry hangs under inside its section, when the list says: a
    // label line ("原理："), the parent item, or a table row's first cell.
    context: z.string().min(1).optional(),
    title: z.string().min(1),
    // null: the list names the article but has no link for it (yet).
    url: z
      .string()
      .regex(/^https?:\/\//)
      .nullable(),
  })
  .strict();
export type SeedEntry = z.infer<typeof SeedEntry>;

export const ReadingsData = z
  .object({
    about: z.string(),
    lists: z.array(
      z
        .object({
          id: z.enum(["seed:llm-resource", "seed:llm-action"]),
          name: z.string(),
          title: z.string(),
          url: z.url(),
          file: z.string(),
        })
        .strict(),
    ),
    entries: z.array(SeedEntry),
  })
  .strict();
export type ReadingsData = z.infer<typeof ReadingsData>;

// The lists write a few HTML entities in titles ("LLaMA&amp;Alpaca"); a reader
// sees the decoded character, and so do the manifests.
export function decodeEntities(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}

export interface SeedFile {
  id: SeedListId;
  file: string; // the file name, e.g. 000_ed2048304e964cdb.txt
  text: string; // entities decoded
}

// Both lists, or undefined where ../shared/seeds is not there (CI).
export function readSeedFiles(dir = SEEDS_DIR): SeedFile[] | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir);
  return SEED_LIST_IDS.map((id) => {
    const file = files.find((name) => name.startsWith(SEED_LISTS[id].prefix));
    if (!file) throw new UserError(`no seed list ${SEED_LISTS[id].prefix}*.txt in ${dir}`);
    return { id, file, text: decodeEntities(readFileSync(join(dir, file), "utf8")) };
  });
}

// [title](url), where the title may hold one level of brackets ("[[源码解析] PyTorch 分布式](…)").
const LINK = /\[((?:[^[\]]|\[[^\]]*\])*)\]\(([^()\s]*)\)/g;
const IMAGE = /!\[[^\]]*\]\([^)]*\)/g;
const BARE_URL = /https?:\/\/[^\s<>()（）"]+/g;

function plain(text: string): string {
  return text
    .replace(IMAGE, "")
    .replace(LINK, "$1")
    .replaceAll("**", "")
    .replace(/<[^>]+>/g, "")
    .replace(/[：:]\s*$/, "")
    .trim();
}

// One list's entries, in the order the list gives them. An entry is a link to
// an http(s) URL (as [title](url), or as "title：url" with a bare URL), or a
// titled link with an empty target ("[title]()": an article the list announces).
// Not entries: the table of contents (links to #anchors), images and the HTML
// banner, and links whose text is only an image (the star-history chart).
export function parseSeedList(text: string, list: SeedListId): SeedEntry[] {
  const entries: SeedEntry[] = [];
  let section: string[] = [];
  let label: string | undefined; // the last "原理：" line of the section
  const items: { indent: number; text: string }[] = []; // open list items, outermost first
  let fenced = false;

  const add = (title: string, url: string | null, context: string | undefined) => {
    title = title.replace(/\s+/g, " ").trim();
    if (!title) return;
    entries.push({ list, section: [...section], ...(context ? { context } : {}), title, url });
  };

  // The links on one line (or one table cell), then its bare URLs.
  const linksIn = (line: string, context: string | undefined) => {
    const withoutImages = line.replace(IMAGE, "");
    let rest = withoutImages;
    for (const m of withoutImages.matchAll(LINK)) {
      const [whole, title, url] = m;
      rest = rest.replace(whole, " ");
      if (url === "") add(title, null, context);
      else if (/^https?:\/\//.test(url)) add(title, url, context);
    }
    let before = 0;
    for (const m of rest.matchAll(BARE_URL)) {
      const url = m[0].replace(/[.,;，。；、]+$/, "");
      const title = plain(rest.slice(before, m.index).replace(/^\s*(?:[-*+]|\d+\.)\s+/, ""));
      add(title || url, url, context);
      before = m.index + m[0].length;
    }
  };

  for (const raw of text.split("\n")) {
    const line = raw.replace(/\t/g, "    ").replace(/\s+$/, "");
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || line.trim() === "") continue;
    if (/^\s*</.test(line)) continue; // HTML: the banner, centred images

    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      if (level === 1) continue; // the list's own title
      const name = plain(heading[2]);
      section = [...section.slice(0, level - 2), name];
      label = undefined;
      items.length = 0;
      // A heading that is itself a link ("### [LLM量化](…)") is an entry of its section.
      const link = /\[((?:[^[\]]|\[[^\]]*\])*)\]\((https?:\/\/[^()\s]*)\)/.exec(heading[2]);
      if (link) add(link[1], link[2], undefined);
      continue;
    }
    if (section[0] === "目录") continue; // the table of contents

    if (line.startsWith("|")) {
      const cells = line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
      // A row's first cell names what the other cells' links are for.
      const first = plain(cells[0] ?? "");
      for (const [i, cell] of cells.entries()) linksIn(cell, i > 0 && first ? first : undefined);
      continue;
    }

    const item = /^(\s*)(?:[-*+]|\d+\.)\s+(.*)$/.exec(line);
    if (item) {
      const indent = item[1].length;
      while (items.length && items[items.length - 1].indent >= indent) items.pop();
      const parent = items.length ? plain(items[items.length - 1].text) : label;
      linksIn(item[2], parent || undefined);
      items.push({ indent, text: item[2] });
      continue;
    }

    // A paragraph line. A short one that ends in a colon labels what follows.
    items.length = 0;
    const p = plain(line);
    if (/[：:]\s*$/.test(line) && p.length <= 40 && !/https?:\/\//.test(line)) {
      label = p || undefined;
      continue;
    }
    linksIn(line, label);
  }
  return entries;
}

export function parseSeeds(files: SeedFile[]): ReadingsData {
  return {
    about:
      "The entries of the two seed reading lists: llm-resource (seeds/000_…txt) and llm-action (seeds/002_…txt), both by liguodongiot. " +
      "Title as the list writes it, URL, list, and the list's own sections; the lists' prose is not copied. Regenerate: npm run docs -- --import-readings",
    lists: files.map((f) => ({
      id: f.id,
      name: SEED_LISTS[f.id].name,
      title: listTitle(f),
      url: SEED_LISTS[f.id].url,
      file: f.file,
    })),
    entries: files.flatMap((f) => parseSeedList(f.text, f.id)),
  };
}

// The list's own title (its first-level heading), or its name.
function listTitle(f: SeedFile): string {
  const h1 = /^#\s+(.+)$/m.exec(f.text);
  return h1 ? h1[1].trim() : SEED_LISTS[f.id].name;
}

// One entry per line, so a change to a list is a readable diff.
export function formatReadings(data: ReadingsData): string {
  const lists = data.lists.map((l) => `    ${JSON.stringify(l)}`).join(",\n");
  const entries = data.entries.map((e) => `    ${JSON.stringify(e)}`).join(",\n");
  return `{\n  "about": ${JSON.stringify(data.about)},\n  "lists": [\n${lists}\n  ],\n  "entries": [\n${entries}\n  ]\n}\n`;
}

export function loadReadings(file = READINGS_FILE): ReadingsData {
  if (!existsSync(file))
    throw new UserError(
      `${file} is missing; run npm run docs -- --import-readings where ../shared/seeds exists`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = ReadingsData.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

// Every http(s) URL in a list's markdown, found without the parser: the check
// that the parser misses nothing. HTML lines and images are not entries, and
// neither is a link whose text is only an image.
export function rawSeedUrls(text: string): string[] {
  const urls: string[] = [];
  for (const line of text.split("\n")) {
    if (/^\s*</.test(line)) continue;
    const stripped = line.replace(/\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)/g, "").replace(IMAGE, "");
    for (const m of stripped.matchAll(/https?:\/\/[^\s<>()（）"]+/g))
      urls.push(m[0].replace(/[.,;，。；、]+$/, ""));
  }
  return urls;
}
