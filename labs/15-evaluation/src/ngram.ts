// Contamination: does the benchmark stand in the training text?
//
// GPT-3 (Brown et al. 2020, appendix C) called a test example contaminated when any
// of its 13-grams (13 words in a row) occurs in the training data, and reported
// scores on the "clean" examples beside the full set. The Llama 2 report counts, per
// example, the fraction of its tokens covered by n-grams found in training. We count
// the fraction of an example's n-grams found in the training text:
//
//   overlap(x) = |{ g ∈ ngrams_n(x) : g ∈ ngrams_n(train) }| / |ngrams_n(x)|
//
// and call x contaminated when overlap(x) ≥ a threshold. "Words" are what words.ts
// splits: Latin words and each Chinese character (Chinese has no spaces), so that one
// n works for both languages. An example shorter than n words has no n-grams; it is
// then looked up whole: its words in a row anywhere in the training text.

import { words } from "./words.ts";

export const gramKey = (ws: readonly string[], i: number, n: number): string =>
  ws.slice(i, i + n).join("\u0001");

// Every n-gram of a training text, as keys of one Set (duplicates kept once).
export function ngramIndex(text: string, n: number): Set<string> {
  const ws = words(text);
  const index = new Set<string>();
  for (let i = 0; i + n <= ws.length; i++) index.add(gramKey(ws, i, n));
  return index;
}

export interface Overlap {
  grams: number; // n-grams of the example
  found: number; // of them, in the index
  fraction: number;
}

export function ngramOverlap(example: string, index: Set<string>, n: number): Overlap {
  const ws = words(example);
  if (ws.length < n) throw new Error(`ngramOverlap: ${ws.length} words, fewer than n = ${n}`);
  // #region exercise ngram-overlap
  let found = 0;
  const grams = ws.length - n + 1;
  for (let i = 0; i < grams; i++) if (index.has(gramKey(ws, i, n))) found++;
  return { grams, found, fraction: found / grams };
  // #endregion
}
