// Encoding a long piece. `applyMerges` (encode.ts, the exercise) finds the
// lowest-ranked pair by scanning every pair, then splices the array: both are
// O(n) per merge and a piece of n bytes can take n - 1 merges, so O(n²). A
// normal word has a handful of bytes and that is the fastest way to do it.
// Chinese or Japanese without spaces is one pre-token per line, though: 20,000
// characters are 60,000 bytes, and the scan took 11 s.
//
// Same rule, different bookkeeping (Hugging Face tokenizers, models/bpe/word.rs,
// `Word::merge_all`; tiktoken uses the same idea for large pieces):
//
//   symbols in a doubly linked list: prev[i], next[i] (no splicing, O(1) removal)
//   a min-heap of candidate merges, keyed (rank, position of the left symbol)
//   repeat:
//     pop the smallest candidate (rank r, left symbol i)
//     skip it if it is stale: i was merged away, or the pair at i is no longer
//       the one this candidate was made for
//     merge i with next[i]; push the new candidates (prev[i], i) and (i, next[i])
//
// "Lowest rank, leftmost on a tie" is exactly the heap order: positions keep
// their left-to-right order in the list, so the smallest key is the pair
// applyMerges would pick. Each merge pushes at most two candidates, so the
// heap sees O(n) entries and the whole piece takes O(n log n).

import type { Merge } from "./encode.ts";
import { pairKey } from "./pairs.ts";

// Pieces of at least this many bytes (85 Chinese characters) go through the
// heap. Below it the scan costs about the same (both well under a millisecond
// a piece, bench/long-piece.bench.ts), and every ordinary word and sentence
// keeps running the exercise's own code, which the lab's tests check.
export const LONG_PIECE = 256;

// The same result as applyMerges(ids, merges), in O(n log n). `ids` is left
// as it was; a new array is returned.
export function applyMergesLong(ids: readonly number[], merges: ReadonlyMap<number, Merge>): number[] {
  const n = ids.length;
  const sym = Int32Array.from(ids); // sym[i]: the token that now starts at position i
  const next = new Int32Array(n); // the next live position after i, or -1
  const prev = new Int32Array(n); // the live position before i, or -1
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  // Every merge adds at most two candidates to the n - 1 we start with.
  const heap = new CandidateHeap(3 * n);
  const consider = (i: number) => {
    const j = next[i];
    if (j < 0) return;
    const m = merges.get(pairKey(sym[i], sym[j]));
    if (m !== undefined) heap.push(m.rank, i, sym[i], sym[j], m.id);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);

  while (heap.size > 0) {
    const c = heap.pop();
    const i = heap.pos[c];
    const j = alive[i] ? next[i] : -1;
    // Stale: i was merged into its left neighbour, or the pair at i is not the
    // pair this candidate was made for (tokens only grow, so it never comes back).
    if (j < 0 || sym[i] !== heap.left[c] || sym[j] !== heap.right[c]) continue;
    sym[i] = heap.id[c];
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    if (prev[i] >= 0) consider(prev[i]);
    consider(i);
  }
  const out: number[] = [];
  for (let i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push(sym[i]);
  return out;
}

// A binary min-heap of merge candidates, ordered by (rank, position). The
// candidates live in parallel arrays; the heap itself holds their indices.
class CandidateHeap {
  readonly rank: Float64Array;
  readonly pos: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly id: Int32Array;
  private readonly order: Int32Array; // order[0] is the smallest candidate
  private count = 0; // candidates made so far
  size = 0; // candidates still in the heap

  constructor(capacity: number) {
    this.rank = new Float64Array(capacity);
    this.pos = new Int32Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.id = new Int32Array(capacity);
    this.order = new Int32Array(capacity);
  }

  private less(a: number, b: number): boolean {
    return this.rank[a] < this.rank[b] || (this.rank[a] === this.rank[b] && this.pos[a] < this.pos[b]);
  }

  push(rank: number, pos: number, left: number, right: number, id: number): void {
    const c = this.count++;
    this.rank[c] = rank;
    this.pos[c] = pos;
    this.left[c] = left;
    this.right[c] = right;
    this.id[c] = id;
    // Sift up: the parent of slot k is (k - 1) >> 1.
    let k = this.size++;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(c, this.order[parent])) break;
      this.order[k] = this.order[parent];
      k = parent;
    }
    this.order[k] = c;
  }

  // Removes the smallest candidate and returns its index.
  pop(): number {
    const top = this.order[0];
    const last = this.order[--this.size];
    // Sift the last candidate down from the root: the children of slot k are 2k + 1 and 2k + 2.
    let k = 0;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.less(this.order[child + 1], this.order[child])) child++;
      if (!this.less(this.order[child], last)) break;
      this.order[k] = this.order[child];
      k = child;
    }
    this.order[k] = last;
    return top;
  }
}
