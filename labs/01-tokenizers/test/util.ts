// Test utilities: a seeded generator of awkward Unicode strings for
// property tests, and a readable comparison of id lists.

import { Rng } from "@llm-labs/tensor";
// Ranges a random string draws from, chosen to hit every UTF-8 length and
// the places tokenizers get wrong: whitespace of all kinds (including U+0085
// and U+FEFF, where JavaScript's \s and Unicode disagree), combining marks,
// CJK, emoji with joiners and skin tones, private-use and unassigned astral
// code points.
const RANGES: [number, number][] = [
  [0x20, 0x7e],
  [0x20, 0x7e],
  [0x20, 0x7e], // ASCII, three times as likely
  [0x09, 0x0d],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
  [0x2000, 0x200d],
  [0xa1, 0x24f],
  [0x300, 0x36f],
  [0x370, 0x3ff],
  [0x400, 0x4ff],
  [0x600, 0x6ff],
  [0x900, 0x97f],
  [0x4e00, 0x9fff],
  [0x4e00, 0x9fff],
  [0x3040, 0x30ff],
  [0xac00, 0xd7a3],
  [0xff01, 0xff5e],
  [0x1f300, 0x1faff],
  [0x1f3fb, 0x1f3ff],
  [0xe000, 0xf8ff],
  [0x10000, 0x10ffff],
];

// A random string of `length` code points; never a lone surrogate.
export function randomUnicode(rng: Rng, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) {
    const [lo, hi] = RANGES[rng.int(RANGES.length)];
    let cp = lo + rng.int(hi - lo + 1);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x20; // surrogates are not characters
    s += String.fromCodePoint(cp);
  }
  return s;
}

// Index of the first difference between two id lists, or -1.
export function firstDifference(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

// Run `make` the first time the result is asked for, then reuse it. Tests use
// this instead of beforeAll for anything built from exercise code: when an
// exercise is not written yet, the error then fails the tests that need it
// (and `exercise check` says which), instead of skipping a whole suite.
export function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}
