// BPE looks at one thing over and over: which two tokens sit next to each
// other, and how often. This file counts those adjacent pairs.

// A pair of token ids (a, b) packed into one number, so it can be a Map key
// without building a string for every lookup:
//
//   key(a, b) = a * 2^20 + b
//
// Every vocabulary in this lab is smaller than 2^20 = 1,048,576 ids (the
// biggest, o200k, has about 200,000), so b never spills into a's part, and
// the key stays below 2^40, far inside the 2^53 integers a double holds
// exactly. Keys also sort like the pairs do: (a, b) < (c, d) exactly when
// key(a, b) < key(c, d), which training uses to break ties.
export const PAIR_BASE = 1 << 20;

export function pairKey(a: number, b: number): number {
  return a * PAIR_BASE + b;
}

export function unpairKey(key: number): [number, number] {
  const a = Math.floor(key / PAIR_BASE);
  return [a, key - a * PAIR_BASE];
}

// Count every adjacent pair in `ids`:
//
//   counts[(ids[i], ids[i+1])] += weight    for i = 0 .. n-2
//
// Pairs overlap: "aaa" holds the pair (a, a) twice. `weight` lets a caller
// count a word that appears 1,000 times in the corpus with one pass over its
// letters instead of 1,000 (Sennrich et al. 2016 count pairs over a
// dictionary of words with frequencies, for the same reason). Pass an
// existing Map as `counts` to add to it.
export function countPairs(
  ids: readonly number[],
  counts: Map<number, number> = new Map(),
  weight = 1,
): Map<number, number> {
  // #region exercise count-pairs
  for (let i = 0; i + 1 < ids.length; i++) {
    const key = pairKey(ids[i], ids[i + 1]);
    counts.set(key, (counts.get(key) ?? 0) + weight);
  }
  return counts;
  // #endregion
}
