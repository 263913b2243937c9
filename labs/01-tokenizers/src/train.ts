// Training byte-level BPE (Sennrich et al. 2016, Algorithm 1, on bytes as in
// GPT-2): start from the 256 bytes, then, again and again, find the most
// frequent adjacent pair and make it a new token.

import { UserError } from "@llm-labs/errors";
import { countPairs, pairKey, unpairKey } from "./pairs.ts";
import { merge } from "./merge.ts";
import { O200K_PATTERN, regexPreTokenizer } from "./pretokenize.ts";
import { utf8Bytes } from "./bytes.ts";
import { Tokenizer, type Merge } from "./tokenizer.ts";

// A distinct pre-token of the corpus as token ids, and how many times it occurs.
export interface Word {
  ids: number[];
  count: number;
}

// One learned merge: tokens a and b become token `id`; `count` is how often the pair occurred when it was chosen.
export interface LearnedMerge {
  a: number;
  b: number;
  id: number;
  count: number;
}

// Pair statistics over a list of words, kept up to date as merges happen.
export interface PairStats {
  // pairKey(a, b) -> sum over words of (occurrences of a, b in the word) * word.count
  counts: Map<number, number>;
  // pairKey(a, b) -> indices of the words that contain the pair (may hold stale entries)
  where: Map<number, Set<number>>;
}

// Count every pair of every word once, at the start.
export function initialStats(words: readonly Word[]): PairStats {
  const counts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  words.forEach((word, w) => {
    countPairs(word.ids, counts, word.count);
    for (let i = 0; i + 1 < word.ids.length; i++) addTo(where, pairKey(word.ids[i], word.ids[i + 1]), w);
  });
  return { counts, where };
}

function addTo(where: Map<number, Set<number>>, key: number, w: number): void {
  let set = where.get(key);
  if (!set) where.set(key, (set = new Set()));
  set.add(w);
}

// Apply the merge (a, b) -> newId to word number `w` and keep the statistics
// exact without recounting the corpus.
//
// The naive trainer recounts every pair of every word after each merge:
// O(corpus) per merge. But a merge can only change the pairs of the words
// that contain (a, b); for every other word, nothing moved. So, for this word
// only, with c = word.count:
//
//   counts[p] -= c   for every pair p of the word before the merge
//   word.ids  = merge(word.ids, a, b, newId)
//   counts[p] += c   for every pair p of the word after the merge
//
// and record in `where` that the word now contains its new pairs. The pairs
// the merge did not touch are subtracted and added back, a wash; the ones it
// destroyed ((x, a), (a, b), (b, y)) lose c per occurrence, and the ones it
// created ((x, newId), (newId, y)) gain it. A pair whose count reaches 0 is
// deleted, so the Map only holds pairs that still exist. Only pairs that
// touch newId are new to this word, so only those need a `where` entry.
export function mergeWord(
  words: Word[],
  w: number,
  a: number,
  b: number,
  newId: number,
  stats: PairStats,
): void {
  // #region exercise train-incremental
  const word = words[w];
  for (let i = 0; i + 1 < word.ids.length; i++) {
    const key = pairKey(word.ids[i], word.ids[i + 1]);
    const left = stats.counts.get(key)! - word.count;
    if (left === 0) stats.counts.delete(key);
    else stats.counts.set(key, left);
  }
  word.ids = merge(word.ids, a, b, newId);
  countPairs(word.ids, stats.counts, word.count);
  for (let i = 0; i + 1 < word.ids.length; i++) {
    if (word.ids[i] === newId || word.ids[i + 1] === newId)
      addTo(stats.where, pairKey(word.ids[i], word.ids[i + 1]), w);
  }
  // #endregion
}

// The most frequent pair. Ties go to the smallest pair (a, b), so training is
// deterministic (Hugging Face's trainer breaks ties the same way).
export function mostFrequentPair(counts: Map<number, number>): { key: number; count: number } | null {
  let bestKey = -1;
  let bestCount = 0;
  for (const [key, count] of counts) {
    if (count > bestCount || (count === bestCount && key < bestKey)) {
      bestKey = key;
      bestCount = count;
    }
  }
  return bestKey < 0 ? null : { key: bestKey, count: bestCount };
}

function containsPair(ids: readonly number[], a: number, b: number): boolean {
  for (let i = 0; i + 1 < ids.length; i++) if (ids[i] === a && ids[i + 1] === b) return true;
  return false;
}

// The BPE loop. `words` are changed in place. New tokens get the ids
// firstId, firstId + 1, ...; it stops after `numMerges` merges or when no
// pair is left.
export function learnMerges(
  words: Word[],
  numMerges: number,
  firstId: number,
  onMerge?: (done: number, merge: LearnedMerge) => void,
): LearnedMerge[] {
  const stats = initialStats(words);
  const learned: LearnedMerge[] = [];
  for (let step = 0; step < numMerges; step++) {
    const best = mostFrequentPair(stats.counts);
    if (best === null) break;
    const [a, b] = unpairKey(best.key);
    const id = firstId + step;
    for (const w of stats.where.get(best.key) ?? []) {
      if (containsPair(words[w].ids, a, b)) mergeWord(words, w, a, b, id, stats);
    }
    stats.where.delete(best.key);
    if (stats.counts.has(best.key))
      throw new Error(
        `internal: pair (${a}, ${b}) still counted after merging it; is mergeWord updating the counts?`,
      );
    const m = { a, b, id, count: best.count };
    learned.push(m);
    onMerge?.(step + 1, m);
  }
  return learned;
}

// Pre-tokenize a corpus and count its distinct pieces. Training on
// (piece, count) instead of the running text is what makes a megabyte cheap:
// "the" occurs thousands of times but is merged once.
export function wordsFromText(text: string, pattern: string, special: readonly string[] = []): Word[] {
  const split = regexPreTokenizer(pattern);
  const counts = new Map<string, number>();
  // Special tokens are not text: cut them out so no merge learns across them.
  const segments =
    special.length > 0
      ? text.split(new RegExp(special.map((s) => s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")).join("|")))
      : [text];
  for (const segment of segments) {
    for (const piece of split(segment)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  }
  return [...counts].map(([piece, count]) => ({ ids: utf8Bytes(piece), count }));
}

export interface TrainOptions {
  // Total tokens: 256 bytes + merges + special tokens.
  vocabSize: number;
  // Split pattern (default: GPT-4o's o200k pattern).
  pattern?: string;
  // Special tokens, e.g. ["<|endoftext|>"]: they get the last ids.
  specialTokens?: readonly string[];
  onMerge?: (done: number, total: number, merge: LearnedMerge) => void;
  name?: string;
}

// Train a byte-level BPE tokenizer: ids 0..255 are the bytes, then one id per merge, then the special tokens.
export function trainBpe(
  text: string,
  options: TrainOptions,
): { tokenizer: Tokenizer; merges: LearnedMerge[] } {
  const pattern = options.pattern ?? O200K_PATTERN;
  const special = options.specialTokens ?? [];
  const numMerges = options.vocabSize - 256 - special.length;
  if (numMerges < 0)
    throw new UserError(
      `vocabSize ${options.vocabSize} is smaller than 256 bytes + ${special.length} special tokens`,
    );
  const words = wordsFromText(text, pattern, special);
  const learned = learnMerges(words, numMerges, 256, (done, m) => options.onMerge?.(done, numMerges, m));
  return {
    tokenizer: tokenizerFromMerges(learned, pattern, special, options.name ?? "trained"),
    merges: learned,
  };
}

// Build the tokenizer a list of merges describes: token `id` is the bytes of a followed by the bytes of b.
export function tokenizerFromMerges(
  learned: readonly LearnedMerge[],
  pattern: string,
  special: readonly string[],
  name: string,
): Tokenizer {
  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const merges = new Map<number, Merge>();
  learned.forEach((m, rank) => {
    const bytes = new Uint8Array(tokens[m.a].length + tokens[m.b].length);
    bytes.set(tokens[m.a]);
    bytes.set(tokens[m.b], tokens[m.a].length);
    tokens[m.id] = bytes;
    merges.set(pairKey(m.a, m.b), { rank, id: m.id });
  });
  const specialMap = new Map<string, number>(special.map((s, i) => [s, tokens.length + i]));
  return new Tokenizer({
    name,
    tokens,
    merges,
    preTokenize: regexPreTokenizer(pattern),
    special: specialMap,
    pattern,
  });
}
