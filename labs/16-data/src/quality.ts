// Quality heuristics: the Gopher rules (Rae et al. 2021, appendix A).
//
// MassiveText keeps a web page only if it passes a handful of cheap rules that a
// person can read and argue with, no classifier involved:
//
//   words          between 50 and 100,000
//   mean word      between 3 and 10 characters
//   symbols        at most 0.1 '#' or ellipsis per word
//   alphabetic     at least 80 % of the words contain a letter
//   stop words     at least 2 of: the, be, to, of, and, that, have, with
//   repetition     at most 30 % of the lines are duplicates; the most common
//                  2-, 3-, 4-gram covers at most 20 %, 18 %, 16 % of the characters
//
// "Words" are the units of shingles.ts (a Latin word, or one Han character), so
// the rules read the Chinese half of a story too; the mean word length is taken
// over the Latin words only (a Han character is one character by construction),
// and the Chinese function characters 的 了 是 在 和 count as stop words.

import { fmix32, isHan, isWordChar, type Units, unitHash } from "./shingles.ts";

export const GOPHER = {
  minWords: 50,
  maxWords: 100_000,
  minMeanWord: 3,
  maxMeanWord: 10,
  maxSymbolRatio: 0.1,
  minAlphaWords: 0.8,
  minStopWords: 2,
  maxDupLines: 0.3,
  maxTopNgram: [0, 0, 0.2, 0.18, 0.16], // by n
} as const;

const STOP = new Set(
  ["the", "be", "to", "of", "and", "that", "have", "with", "的", "了", "是", "在", "和"].map(unitHash),
);

// Counts of 32-bit keys in a flat table, reused document after document (a Map
// costs an allocation per distinct n-gram, and this runs on every n-gram of the
// corpus three times over). Open addressing, linear probing; clear() forgets
// only the slots that were used.
export class KeyCounter {
  private keys = new Uint32Array(1 << 12);
  private counts = new Uint32Array(1 << 12);
  private used: number[] = [];
  clear(expected: number): void {
    if (expected * 2 > this.keys.length) {
      let size = this.keys.length;
      while (expected * 2 > size) size *= 2;
      this.keys = new Uint32Array(size);
      this.counts = new Uint32Array(size);
    } else for (const i of this.used) this.counts[i] = 0;
    this.used.length = 0;
  }
  // Adds one occurrence of `key`; returns its count so far.
  add(key: number): number {
    const mask = this.keys.length - 1;
    for (let i = fmix32(key) & mask; ; i = (i + 1) & mask) {
      if (this.counts[i] === 0) {
        this.keys[i] = key;
        this.counts[i] = 1;
        this.used.push(i);
        return 1;
      }
      if (this.keys[i] === key) return ++this.counts[i];
    }
  }
}
const counter = new KeyCounter();

// Gopher's "fraction of characters in the most common n-gram": the n-gram of
// units that occurs most often, its length in characters (the sum of its units'
// lengths) times the number of times it occurs, over the characters of all units.
// (Ties go to the longer n-gram.)
//
//   "the cat sat on the cat mat", n = 2: "the cat" occurs twice, 6 characters each,
//   so 12 of the 20 characters: 0.6.
export function topNgramFraction(u: Units, n: number): number {
  if (u.n < n) return 0;
  counter.clear(u.n);
  // #region exercise top-ngram
  let total = 0;
  for (let i = 0; i < u.n; i++) total += u.len[i];
  let best = 0;
  let bestChars = 0;
  for (let i = 0; i + n <= u.n; i++) {
    let key = 0;
    let chars = 0;
    for (let j = 0; j < n; j++) {
      key = (Math.imul(key, 0x01000193) + u.hash[i + j]) >>> 0;
      chars += u.len[i + j];
    }
    const c = counter.add(key);
    if (c > best || (c === best && chars > bestChars)) {
      best = c;
      bestChars = chars;
    }
  }
  return (best * bestChars) / total;
  // #endregion
}

// The fraction of non-empty lines that repeat an earlier line.
export function duplicateLineFraction(lines: string[]): number {
  const seen = new Set<string>();
  let dup = 0;
  let n = 0;
  for (const l of lines) {
    if (l.length === 0) continue;
    n++;
    if (seen.has(l)) dup++;
    else seen.add(l);
  }
  return n === 0 ? 0 : dup / n;
}

// Over whitespace-separated words, as Gopher counts them: how many there are, how
// many are a symbol ('#' in front, or an ellipsis at the end), how many hold a letter.
// One pass over the characters; no strings are made.
export function wordStats(text: string): { words: number; symbols: number; alpha: number } {
  let words = 0;
  let symbols = 0;
  let alpha = 0;
  let start = -1; // where the current word began, −1 between words
  let letter = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const space = c === 32 || c === 10 || c === 9 || c === 13 || c === 0x3000;
    if (!space) {
      if (start < 0) {
        start = i;
        letter = false;
        if (c === 35) symbols++; // '#'
      }
      if (isWordChar(c) || isHan(c)) letter = letter || !(c >= 0x30 && c <= 0x39);
      continue;
    }
    if (start < 0) continue;
    words++;
    if (letter) alpha++;
    const last = text.charCodeAt(i - 1);
    if (last === 0x2026 || (last === 46 && i - start >= 3 && text.startsWith("...", i - 3))) symbols++;
    start = -1;
  }
  return { words: Math.max(words, 1), symbols, alpha };
}

// The first rule a document fails, or null when it passes them all.
export function gopherReject(text: string, u: Units): string | null {
  if (u.n < GOPHER.minWords) return "too few words";
  if (u.n > GOPHER.maxWords) return "too many words";
  let latin = 0;
  let latinChars = 0;
  let stops = 0;
  for (let i = 0; i < u.n; i++) {
    if (u.han[i] === 0) {
      latin++;
      latinChars += u.len[i];
    }
    if (STOP.has(u.hash[i])) stops++;
  }
  const mean = latin === 0 ? GOPHER.minMeanWord : latinChars / latin;
  if (mean < GOPHER.minMeanWord || mean > GOPHER.maxMeanWord) return "mean word length";
  const { words, symbols, alpha } = wordStats(text);
  if (symbols / words > GOPHER.maxSymbolRatio) return "symbol ratio";
  if (alpha / words < GOPHER.minAlphaWords) return "alphabetic words";
  if (stops < GOPHER.minStopWords) return "stop words";
  if (duplicateLineFraction(text.split("\n")) > GOPHER.maxDupLines) return "duplicate lines";
  for (let n = 2; n <= 4; n++) if (topNgramFraction(u, n) > GOPHER.maxTopNgram[n]) return `top ${n}-gram`;
  return null;
}
