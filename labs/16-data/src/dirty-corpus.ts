// A dirty corpus whose every defect is known.
//
// A filter's precision and recall can only be measured against the truth, and
// a real crawl has none: nobody knows which of its pages are copies. So this
// file writes a crawl-like stream of documents, mostly the course's bilingual
// stories (packages/model, corpus.ts), and injects, at rates it records:
//
//   exact-dup     a verbatim copy of an earlier document
//   near-dup      a copy with a fraction of its units replaced; its true Jaccard
//                 similarity to the source is measured and recorded, and it
//                 counts as a duplicate when that is at least NEAR_DUP_JACCARD
//   wrong-lang    a document in French, German or Spanish (languages.ts)
//   low-quality   spam, hashtags, a lone sentence, repeated lines, gibberish, tables
//   boilerplate   lines a web page wraps around its text (navigation, cookies…)
//   pii           e-mail addresses, phone numbers, IPs, card numbers, plus decoys
//                 that look like them and are not (a build number, a Luhn-invalid order id)
//
// The copies are drawn from a reservoir of recent documents. Short generated
// documents also repeat by chance ("Ben was a brave bird." is one of a few hundred
// lone sentences), and a repeat is an exact duplicate whatever made it, so every
// text's SHA-256 is remembered and a repeat labelled: about 1.7 % of the exact
// duplicates in 200 MB are such chance repeats. Generating 200 MB needs memory for
// the reservoir and 140k digests.

import { createHash } from "node:crypto";
import { Rng } from "@llm-labs/tensor";
import { story } from "@llm-labs/model";
import { foreignStory, FOREIGN } from "./languages.ts";
import { jaccard, shingleHashes } from "./shingles.ts";

export type Defect = "exact-dup" | "near-dup" | "wrong-lang" | "low-quality";
export const DEFECTS: readonly Defect[] = ["exact-dup", "near-dup", "wrong-lang", "low-quality"];

export interface Truth {
  defects: Defect[];
  similarity?: number; // a mutated copy's true Jaccard to its source (word/char 5-grams)
  lowQuality?: string; // which kind
  boilerplate: string[]; // the injected boilerplate lines still in the text
  pii: string[]; // the injected PII strings still in the text
}
export interface Doc {
  id: number;
  text: string;
  truth: Truth;
}

// A copy at least this similar (Jaccard of 5-shingles) is a near duplicate.
export const NEAR_DUP_JACCARD = 0.7;
export const SHINGLE_K = 5;

export interface DirtyMix {
  exactDup: number;
  nearDup: number;
  wrongLang: number;
  lowQuality: number;
  boilerplate: number; // of the remaining (clean-content) documents
  pii: number;
  decoy: number;
  similarities: number[]; // a near copy aims at one of these Jaccard similarities
}
export const DEFAULT_MIX: DirtyMix = {
  exactDup: 0.08,
  nearDup: 0.12,
  wrongLang: 0.06,
  lowQuality: 0.08,
  boilerplate: 0.25,
  pii: 0.15,
  decoy: 0.1,
  similarities: [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
};

const BOILERPLATE = [
  "Home | About | Stories | Contact",
  "Please enable JavaScript to read this page.",
  "This website uses cookies to improve your experience.",
  "By reading on you agree to our privacy policy and terms of use.",
  "Share this story: Facebook Twitter WeChat",
  "Click here to subscribe",
  "© 2024 Storybook Press. All rights reserved.",
  "Sign up for our newsletter!",
];

const FIRST = ["lily", "tom", "mia", "ben", "anna", "leo", "xiaoming", "lanlan"];
const LAST = ["wang", "li", "chen", "smith", "zhang", "brown"];
const DOMAINS = ["example.com", "mail.example.org", "qq.example.cn", "storybook.test"];

const digits = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(10)).join("");

// Luhn's check digit for a number's other digits (ISO/IEC 7812): double every second
// digit from the right, subtract 9 from doubles above 9, and pad the sum to a multiple of 10.
export function luhnValid(number: string): boolean {
  const ds = number.replace(/\D/g, "");
  let sum = 0;
  for (let i = 0; i < ds.length; i++) {
    let d = ds.charCodeAt(ds.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return ds.length > 0 && sum % 10 === 0;
}

function card(rng: Rng, valid: boolean): string {
  const body = `4${digits(rng, 14)}`;
  let check = 0;
  while (luhnValid(body + check) !== valid) check++;
  const s = body + check;
  return `${s.slice(0, 4)} ${s.slice(4, 8)} ${s.slice(8, 12)} ${s.slice(12)}`;
}

function pii(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return `${FIRST[rng.int(FIRST.length)]}.${LAST[rng.int(LAST.length)]}${rng.int(100)}@${DOMAINS[rng.int(DOMAINS.length)]}`;
    case 1: {
      const p = `1${3 + rng.int(7)}${digits(rng, 9)}`;
      return rng.int(2) ? p : `${p.slice(0, 3)}-${p.slice(3, 7)}-${p.slice(7)}`;
    }
    case 2:
      return `(${2 + rng.int(8)}${digits(rng, 2)}) ${digits(rng, 3)}-${digits(rng, 4)}`;
    case 3:
      return [10 + rng.int(200), rng.int(256), rng.int(256), 1 + rng.int(254)].join(".");
    default:
      return card(rng, true);
  }
}

// Things a careless scrubber takes for PII. The build number IS an IPv4 address
// by its syntax: a regex cannot tell them apart, which the scores will show.
function decoy(rng: Rng): string {
  switch (rng.int(3)) {
    case 0:
      return `The book was printed on 20${10 + rng.int(15)}-0${1 + rng.int(9)}-1${rng.int(10)}.`;
    case 1:
      return `Order number ${card(rng, false)} was sent.`;
    default:
      return `This is build ${1 + rng.int(9)}.${rng.int(20)}.${rng.int(20)}.${rng.int(99)} of the story.`;
  }
}

const KEYWORDS = ["cheap toys", "best price", "buy now", "free shipping", "toys for kids", "sale"];
const LETTERS = "abcdefghijklmnopqrstuvwxyz";

function lowQuality(rng: Rng): [kind: string, text: string] {
  switch (rng.int(6)) {
    case 0:
      return [
        "spam",
        Array.from({ length: 40 + rng.int(40) }, () => KEYWORDS[rng.int(KEYWORDS.length)]).join(" "),
      ];
    case 1:
      return [
        "hashtags",
        Array.from(
          { length: 60 + rng.int(40) },
          () => `#${KEYWORDS[rng.int(KEYWORDS.length)].replace(" ", "")}`,
        ).join(" "),
      ];
    case 2:
      return ["short", `${story(rng).split(". ")[0]}.`];
    case 3: {
      const line = story(rng).split(". ")[1] ?? "The end.";
      return ["repeated-lines", Array.from({ length: 8 + rng.int(8) }, () => line).join("\n")];
    }
    case 4: {
      const word = () => Array.from({ length: 2 + rng.int(9) }, () => LETTERS[rng.int(26)]).join("");
      return ["gibberish", Array.from({ length: 80 + rng.int(80) }, word).join(" ")];
    }
    default:
      return [
        "table",
        Array.from({ length: 20 }, () => Array.from({ length: 6 }, () => digits(rng, 3)).join(" ")).join(
          "\n",
        ),
      ];
  }
}

const HAN_POOL = "天地人和山水日月花草风雨春夏秋冬星云石田林海";
const WORD_POOL = [
  "apple",
  "river",
  "stone",
  "cloud",
  "green",
  "happy",
  "little",
  "forest",
  "window",
  "jump",
];

// A copy of `text` with each unit (a Latin word or a Han character) replaced by a
// random one with probability p: p = 0 is an exact copy, p ≈ 0.15 leaves J ≈ 0.3.
export function mutate(rng: Rng, text: string, p: number): string {
  return text.replace(/[\u4e00-\u9fff]|[0-9A-Za-z\u00c0-\u024f]+/g, (m) => {
    if (rng.next() >= p) return m;
    return m.length === 1 && m.charCodeAt(0) >= 0x4e00
      ? HAN_POOL[rng.int(HAN_POOL.length)]
      : WORD_POOL[rng.int(WORD_POOL.length)];
  });
}

// The replacement rate that aims at Jaccard J with k-shingles. A unit survives with
// probability q = 1 − p, a shingle when all its k units do, so about a fraction q^k
// of the shingles are shared: J = q^k / (2 − q^k) (the shared part over the union
// of two sets of the same size), and q^k = 2J / (1 + J).
export const replaceRate = (J: number, k: number): number => 1 - ((2 * J) / (1 + J)) ** (1 / k);

// A near copy of a document: the story text mutated, its boilerplate lines and PII
// strings left whole (they are other stages' defects, and must stay countable).
function nearCopy(rng: Rng, source: Doc, p: number): string {
  const bp = new Set(source.truth.boilerplate);
  return source.text
    .split("\n")
    .map((line) => {
      if (bp.has(line)) return line;
      const keep = source.truth.pii.find((s) => line.includes(s));
      if (keep === undefined) return mutate(rng, line, p);
      const at = line.indexOf(keep);
      return mutate(rng, line.slice(0, at), p) + keep + mutate(rng, line.slice(at + keep.length), p);
    })
    .join("\n");
}

function cleanDoc(rng: Rng, mix: DirtyMix): { text: string; truth: Truth } {
  const lines: string[] = [];
  const nStories = 1 + rng.int(3);
  for (let s = 0; s < nStories; s++) lines.push(...story(rng).split("\n"));
  const truth: Truth = { defects: [], boilerplate: [], pii: [] };
  if (rng.next() < mix.pii) {
    const p = pii(rng);
    truth.pii.push(p);
    const at = 2 * rng.int(nStories); // an English line
    lines[at] += rng.int(2) ? ` You can reach the author at ${p}.` : ` 作者的联系方式是 ${p}。`;
  }
  if (rng.next() < mix.decoy) lines[2 * rng.int(nStories)] += ` ${decoy(rng)}`;
  if (rng.next() < mix.boilerplate) {
    const top = rng.shuffle([...BOILERPLATE]).slice(0, 1 + rng.int(3));
    truth.boilerplate.push(...top);
    const head = top.slice(0, rng.int(top.length + 1));
    lines.unshift(...head);
    lines.push(...top.slice(head.length));
  }
  return { text: lines.join("\n"), truth };
}

// An endless stream of documents, drawn from one seeded Rng; stop it with `take`
// or with the byte count the caller keeps.
export function* dirtyDocuments(seed: number, mix: DirtyMix = DEFAULT_MIX): Generator<Doc> {
  const rng = new Rng(seed);
  const RESERVOIR = 2_000;
  const recent: Doc[] = [];
  // a different hash from the stage under test's xxh3, so the truth is independent of it
  const seen = new Set<string>();
  for (let id = 0; ; id++) {
    const u = rng.next();
    let doc: Doc;
    const source = recent.length > 0 ? recent[rng.int(recent.length)] : undefined;
    if (source && u < mix.exactDup) {
      doc = { id, text: source.text, truth: copyTruth(source.truth, "exact-dup") };
    } else if (source && u < mix.exactDup + mix.nearDup) {
      const target = mix.similarities[rng.int(mix.similarities.length)];
      const text = nearCopy(rng, source, replaceRate(target, SHINGLE_K));
      const sim = jaccard(shingleHashes(source.text, SHINGLE_K).slice(), shingleHashes(text, SHINGLE_K));
      const kind = text === source.text ? "exact-dup" : sim >= NEAR_DUP_JACCARD ? "near-dup" : undefined;
      const truth = copyTruth(source.truth, kind);
      truth.similarity = sim;
      doc = { id, text, truth };
    } else if (u < mix.exactDup + mix.nearDup + mix.wrongLang) {
      const lang = FOREIGN[rng.int(FOREIGN.length)] as "fr" | "de" | "es";
      const text = Array.from({ length: 2 + rng.int(4) }, () => foreignStory(rng, lang)).join("\n");
      doc = { id, text, truth: { defects: ["wrong-lang"], boilerplate: [], pii: [] } };
    } else if (u < mix.exactDup + mix.nearDup + mix.wrongLang + mix.lowQuality) {
      const [kind, text] = lowQuality(rng);
      doc = { id, text, truth: { defects: ["low-quality"], lowQuality: kind, boilerplate: [], pii: [] } };
    } else {
      doc = { id, ...cleanDoc(rng, mix) };
    }
    const digest = createHash("sha256").update(doc.text).digest("base64");
    if (seen.has(digest) && !doc.truth.defects.includes("exact-dup")) {
      doc.truth = copyTruth(doc.truth, "exact-dup");
    }
    seen.add(digest);
    if (recent.length < RESERVOIR) recent.push(doc);
    else recent[rng.int(RESERVOIR)] = doc;
    yield doc;
  }
}

function copyTruth(t: Truth, add: Defect | undefined): Truth {
  const defects: Defect[] = t.defects.filter((d) => d !== "near-dup" && d !== "exact-dup");
  if (add) defects.unshift(add);
  return { ...t, defects, boilerplate: [...t.boilerplate], pii: [...t.pii] };
}

// The first n documents of the stream, in memory: for tests and small demos.
export function take(n: number, seed: number, mix: DirtyMix = DEFAULT_MIX): Doc[] {
  const out: Doc[] = [];
  for (const d of dirtyDocuments(seed, mix)) {
    out.push(d);
    if (out.length >= n) break;
  }
  return out;
}
