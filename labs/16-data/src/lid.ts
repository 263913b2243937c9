// Language identification: a naive Bayes classifier over character n-grams.
//
// Cavnar & Trenkle (1994) showed that the frequencies of character n-grams
// (n = 1…5) identify a language from a few dozen characters; langid.py and
// fastText's lid.176 (the model FineWeb filters with) are refinements of the same
// idea. Here the model is multinomial naive Bayes: for a line x with n-gram
// features f_1 … f_m,
//
//   score(ℓ) = log P(ℓ) + Σ_j log P(f_j | ℓ),   P(f | ℓ) = (c_ℓ(f) + α) / (N_ℓ + α·F)
//
// (Laplace smoothing with α, F buckets) and the line's language is the argmax.
// The n-grams (1, 2 and 3 characters, with a space at each end of the line) are
// hashed into F = 2^16 buckets (the hashing trick, as fastText does), so the model
// is a [F, L] table of log-probabilities with no strings in it.
//
// A document is kept when at least half of its characters are in lines
// identified as one of the languages we want; the bilingual stories are an
// English line and a Chinese line, and must both count.

import { Rng } from "@llm-labs/tensor";
import { story } from "@llm-labs/model";
import { foreignStory, type Lang } from "./languages.ts";

export const LANGS: readonly Lang[] = ["en", "zh", "fr", "de", "es"];
const F = 1 << 16;
const MAX_CHARS = 240; // a line's first characters are enough evidence; the rest costs time

export interface LidModel {
  logp: Float32Array; // [F, L]
}

// Calls visit(bucket) for every 1-, 2- and 3-gram of " " + line + " " (up to MAX_CHARS).
function features(line: string, visit: (bucket: number) => void): void {
  let c1 = 32; // the character before, a space at the start
  let c2 = 32;
  const n = Math.min(line.length, MAX_CHARS);
  for (let i = 0; i <= n; i++) {
    let c = i < n ? line.charCodeAt(i) : 32;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    visit(Math.imul(c, 0x9e3779b1) >>> 16);
    visit(Math.imul(c ^ Math.imul(c1, 0x85ebca6b), 0x9e3779b1) >>> 16);
    visit(Math.imul(c ^ Math.imul(c1 ^ Math.imul(c2, 0xc2b2ae35), 0x85ebca6b), 0x9e3779b1) >>> 16);
    c2 = c1;
    c1 = c;
  }
}

// Training lines for each language, from seeds no corpus document uses.
export function trainingLines(perLang: number, seed: number): [Lang, string][] {
  const rng = new Rng(seed);
  const out: [Lang, string][] = [];
  for (let i = 0; i < perLang; i++) {
    const [en, zh] = story(rng).split("\n");
    out.push(["en", en], ["zh", zh]);
    for (const l of ["fr", "de", "es"] as const) out.push([l, foreignStory(rng, l)]);
  }
  return out;
}

export function trainLid(lines: [Lang, string][], alpha = 0.5): LidModel {
  const L = LANGS.length;
  const counts = new Float64Array(F * L);
  const totals = new Float64Array(L);
  for (const [lang, line] of lines) {
    const l = LANGS.indexOf(lang);
    features(line, (b) => {
      counts[b * L + l]++;
      totals[l]++;
    });
  }
  const logp = new Float32Array(F * L);
  for (let b = 0; b < F; b++)
    for (let l = 0; l < L; l++)
      logp[b * L + l] = Math.log((counts[b * L + l] + alpha) / (totals[l] + alpha * F));
  return { logp };
}

const scores = new Float64Array(LANGS.length);

// The most likely language of one line (uniform prior, so log P(ℓ) drops out).
export function identify(m: LidModel, line: string): Lang {
  const L = LANGS.length;
  scores.fill(0);
  features(line, (b) => {
    for (let l = 0; l < L; l++) scores[l] += m.logp[b * L + l];
  });
  let best = 0;
  for (let l = 1; l < L; l++) if (scores[l] > scores[best]) best = l;
  return LANGS[best];
}

// The fraction of a document's characters in lines identified as one of `keep`.
export function keptFraction(m: LidModel, text: string, keep: readonly Lang[] = ["en", "zh"]): number {
  let kept = 0;
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    total += line.length;
    if (keep.includes(identify(m, line))) kept += line.length;
  }
  return total === 0 ? 0 : kept / total;
}
