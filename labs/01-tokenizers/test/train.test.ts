import { describe, expect, it } from "vitest";
import { corpus } from "../src/corpus.ts";
import {
  initialStats,
  learnMerges,
  mergeWord,
  mostFrequentPair,
  trainBpe,
  wordsFromText,
  type Word,
} from "../src/train.ts";
import { pairKey, unpairKey } from "../src/pairs.ts";
import { O200K_PATTERN } from "../src/pretokenize.ts";

const a = 97;
const b = 98;
const c = 99;
const d = 100;

// A trainer written the slow, obvious way, independent of the lab's code:
// after every merge, recount every pair of every word from scratch, with
// string keys. Ties go to the smallest (left, right) pair, as in the lab.
function naiveMerges(
  words: { ids: number[]; count: number }[],
  numMerges: number,
  firstId: number,
): [number, number, number][] {
  const ws = words.map((w) => ({ ids: [...w.ids], count: w.count }));
  const out: [number, number, number][] = [];
  for (let step = 0; step < numMerges; step++) {
    const counts = new Map<string, number>();
    for (const w of ws)
      for (let i = 0; i + 1 < w.ids.length; i++) {
        const k = `${w.ids[i]},${w.ids[i + 1]}`;
        counts.set(k, (counts.get(k) ?? 0) + w.count);
      }
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [k, n] of counts) {
      const [x, y] = k.split(",").map(Number);
      if (
        n > bestCount ||
        (n === bestCount && best !== null && (x < best[0] || (x === best[0] && y < best[1])))
      ) {
        best = [x, y];
        bestCount = n;
      }
    }
    if (best === null) break;
    const id = firstId + step;
    for (const w of ws) {
      const next: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (i + 1 < w.ids.length && w.ids[i] === best[0] && w.ids[i + 1] === best[1]) {
          next.push(id);
          i++;
        } else next.push(w.ids[i]);
      }
      w.ids = next;
    }
    out.push([best[0], best[1], id]);
  }
  return out;
}

const sortedEntries = (m: Map<number, number>) => [...m].sort((x, y) => x[0] - y[0]);

describe("exercise: train-incremental", () => {
  it("learns aaabdaaabac's merges as worked out by hand", () => {
    // pairs: aa 4, ab 2, others 1           -> merge 1: (a, a) = 256, count 4
    // Z a b d Z a b a c: Za 2, ab 2, rest 1 -> tie: (a, b) = (97, 98) < (256, 97), merge 2: (a, b) = 257
    // Z Y d Z Y a c: ZY 2, rest 1           -> merge 3: (256, 257) = 258
    // X d X a c: all 1                      -> tie: smallest pair is (a, c) = (97, 99), merge 4: 259
    const { tokenizer, merges } = trainBpe("aaabdaaabac", { vocabSize: 260 });
    expect(merges.map((m) => [m.a, m.b, m.id, m.count])).toEqual([
      [a, a, 256, 4],
      [a, b, 257, 2],
      [256, 257, 258, 2],
      [a, c, 259, 1],
    ]);
    expect(tokenizer.encode("aaabdaaabac")).toEqual([258, d, 258, 259]);
    expect(tokenizer.decode([258])).toBe("aaab");
  });

  it("keeps pair counts equal to a full recount after every merge", () => {
    const words = wordsFromText(corpus(3, 20_000, "mixed"), O200K_PATTERN);
    const stats = initialStats(words);
    for (let step = 0; step < 40; step++) {
      const best = mostFrequentPair(stats.counts)!;
      const [x, y] = unpairKey(best.key);
      words.forEach((w, i) => {
        if (w.ids.some((id, j) => id === x && w.ids[j + 1] === y))
          mergeWord(words, i, x, y, 256 + step, stats);
      });
      expect(sortedEntries(stats.counts), `after merge ${step + 1}`).toEqual(
        sortedEntries(initialStats(words).counts),
      );
    }
  });

  it("records in `where` every word that gains a new pair", () => {
    const words: Word[] = [
      { ids: [a, b, c], count: 1 },
      { ids: [a, b, d], count: 2 },
    ];
    const stats = initialStats(words);
    mergeWord(words, 0, a, b, 256, stats);
    mergeWord(words, 1, a, b, 256, stats);
    expect(words.map((w) => w.ids)).toEqual([
      [256, c],
      [256, d],
    ]);
    expect([...stats.where.get(pairKey(256, c))!]).toEqual([0]);
    expect([...stats.where.get(pairKey(256, d))!]).toEqual([1]);
    // (a, b) occurred 1 + 2 times and now does not occur at all.
    expect(stats.counts.has(pairKey(a, b))).toBe(false);
    expect(stats.counts.get(pairKey(256, d))).toBe(2);
  });

  it("learns the same merges as a trainer that recounts everything", () => {
    const words = wordsFromText(corpus(4, 12_000, "mixed"), O200K_PATTERN);
    const expected = naiveMerges(words, 120, 256);
    const learned = learnMerges(
      words.map((w) => ({ ids: [...w.ids], count: w.count })),
      120,
      256,
    );
    expect(learned.map((m) => [m.a, m.b, m.id])).toEqual(expected);
  });

  it("chooses pairs whose counts never increase (a new pair is never more frequent than the token it contains)", () => {
    const { merges } = trainBpe(corpus(5, 30_000, "mixed"), { vocabSize: 500 });
    for (let i = 1; i < merges.length; i++) expect(merges[i].count).toBeLessThanOrEqual(merges[i - 1].count);
  });

  it("trains a tokenizer with special tokens that round-trips its corpus", () => {
    const text = corpus(6, 40_000, "mixed");
    const { tokenizer, merges } = trainBpe(text + "<|endoftext|>" + text, {
      vocabSize: 400,
      specialTokens: ["<|endoftext|>"],
    });
    expect(tokenizer.vocabSize).toBe(400);
    expect(merges).toHaveLength(400 - 256 - 1);
    expect(tokenizer.encode("<|endoftext|>")).toEqual([399]);
    const ids = tokenizer.encode(text);
    expect(tokenizer.decode(ids)).toBe(text);
    // Each merge of one occurrence saves exactly one token, and merge i saved
    // at most count_i / 2 occurrences here (the text was seen twice), so:
    const bytes = Buffer.byteLength(text);
    const saved = merges.reduce((n, m) => n + m.count, 0) / 2;
    expect(ids.length).toBeLessThan(bytes);
    expect(ids.length).toBeGreaterThanOrEqual(bytes - saved);
  });
});
