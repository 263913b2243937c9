// Markdown → HTML for the course site: markdown-it with raw HTML off (a README
// can never inject markup), KaTeX for $…$ and $$…$$, highlight.js for code,
// GitHub-style heading anchors (so a README's #links work on GitHub and here)
// and a table of contents per page.
import hljs from "highlight.js";
import katex from "katex";
import MarkdownIt from "markdown-it";
import anchor from "markdown-it-anchor";
import toc from "markdown-it-toc-done-right";
import mdKatex from "@vscode/markdown-it-katex";
import { UserError } from "@llm-labs/kit";

// GitHub's heading ids: lower case, punctuation dropped (letters of any script
// kept), spaces to hyphens. "1. Rounding (`src/round.ts`)" → "1-rounding-srcroundts".
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

// Text that goes into generated markdown as is: every ASCII punctuation mark
// that markdown (or KaTeX's $) could read as syntax gets a backslash.
export function mdText(text: string): string {
  return text.replace(/\s+/g, " ").replace(/[\\`*_{}[\]()#+\-.!|<>$~&]/g, "\\$&");
}

function unescape(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}

export function highlight(code: string, lang: string): string {
  const language = lang && hljs.getLanguage(lang) ? lang : undefined;
  const body = language ? hljs.highlight(code, { language, ignoreIllegals: true }).value : escapeHtml(code);
  return `<pre class="code"><code class="hljs${language ? ` language-${language}` : ""}">${body}</code></pre>`;
}

// What a page's links are turned into. `resolve` gets every link and image
// target as markdown-it normalized it and returns the href the site uses (or
// throws a UserError naming the file that does not exist).
export interface LinkEnv {
  resolve(href: string, isImage: boolean): string;
}

export interface Rendered {
  html: string;
  toc: string; // <nav class="toc">…</nav>, or "" when the page has fewer than two sections
  title: string | undefined; // the first level-1 heading
}

// markdown-it-toc-done-right's outline of a page: a heading level, its text, the headings under it.
interface TocNode {
  l: number;
  n: string;
  c: TocNode[];
}

export interface Markdown {
  render(source: string, env: LinkEnv, where: string): Rendered;
  normalizeLink(url: string): string;
}

export function createMarkdown(): Markdown {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false, highlight });
  // The plugin's types name its own copy of KaTeX; the site ships the root one's CSS, so it renders with that.
  // The package is CommonJS with an `exports.default`; under ESM that arrives one level down.
  type KatexPlugin = (
    md: InstanceType<typeof MarkdownIt>,
    options: { katex: unknown; throwOnError: boolean },
  ) => void;
  const katexPlugin =
    (mdKatex as unknown as { default?: KatexPlugin }).default ?? (mdKatex as unknown as KatexPlugin);
  // It turns math KaTeX cannot read into a span of class katex-error (and with
  // throwOnError only logs); render() below turns that span into a build error.
  md.use(katexPlugin, { katex, throwOnError: false });
  md.use(anchor, {
    slugify,
    level: [1, 2, 3, 4],
    permalink: anchor.permalink.linkInsideHeader({
      symbol: "#",
      placement: "after",
      class: "anchor",
      ariaHidden: true,
    }),
  });
  let lastToc = "";
  let lastCount = 0;
  md.use(toc, {
    slugify,
    level: [2, 3],
    listType: "ul",
    containerClass: "toc",
    callback: (html: string, ast: TocNode) => {
      lastToc = html;
      lastCount = ast.c.reduce((n: number, h: TocNode) => n + (h.l === 1 ? h.c.length : 1), 0);
    },
  });
  md.core.ruler.push("course_links", (state) => {
    const env = state.env as unknown as LinkEnv;
    for (const block of state.tokens) {
      for (const t of block.children ?? []) {
        if (t.type === "link_open") t.attrSet("href", env.resolve(String(t.attrGet("href") ?? ""), false));
        if (t.type === "image") t.attrSet("src", env.resolve(String(t.attrGet("src") ?? ""), true));
      }
    }
  });
  return {
    render(source, env, where) {
      let html: string;
      try {
        html = md.render(source, env as unknown as Record<string, unknown>);
      } catch (e) {
        if (e instanceof UserError) throw e;
        // KaTeX's ParseError: say which file, and what it could not read.
        throw new UserError(`${where}: ${(e as Error).message.split("\n")[0]}`);
      }
      // KaTeX marks what it could not read: <span class="katex-error" title="ParseError: …">.
      const bad = /class="[^"]*katex-error[^"]*" title="([^"]*)"[^>]*>([^<]*)</.exec(html);
      if (bad) {
        const [title, text] = [unescape(bad[1]), unescape(bad[2])];
        throw new UserError(
          `${where}: ${(/ParseError/.test(title) ? title : text)
            .replace(/^ParseError: /, "")
            .split("\n")[0]
            .trim()}`,
        );
      }
      const h1 = /^#\s+(.+)$/m.exec(source);
      return {
        html,
        toc: lastCount >= 2 ? lastToc : "",
        title: h1 ? h1[1].replace(/[`*_]/g, "").trim() : undefined,
      };
    },
    normalizeLink: (url) => md.normalizeLink(url),
  };
}
