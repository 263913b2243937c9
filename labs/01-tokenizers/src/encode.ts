// Encoding one piece: start from its bytes, then apply the learned merges in
// the order they were learned, until no adjacent pair has a merge.

import { pairKey } from "./pairs.ts";

// A learned merge: the pair it applies to is the Map key; `rank` is its priority, `id` the token it makes.
export interface Merge {
  rank: number;
  id: number;
}

// Byte-pair encoding of one piece (Sennrich et al. 2016, section 3.2: "apply
// the learned operations in the order they were learned"):
//
//   repeat:
//     among all adjacent pairs (ids[i], ids[i+1]) that have a merge,
//     take the one with the lowest rank (the leftmost, on a tie);
//     replace the two ids by the merged id
//   until no adjacent pair has a merge.
//
// Lowest rank means learned earliest. Why not simply replay every merge in
// rank order? A vocabulary has 100,000+ merges and a piece has a handful of
// pairs; asking "which of my pairs is earliest?" touches only the pairs that
// are there. tiktoken and Hugging Face both do this.
//
// We keep `ranks[i]`, the rank of the pair starting at i (Infinity if none).
// Merging at i changes only two pairs: the one ending at i and the one
// starting at i, so each step re-looks-up two ranks, not all of them.
//
// `ids` is changed in place and returned.
export function applyMerges(ids: number[], merges: ReadonlyMap<number, Merge>): number[] {
  // #region exercise encode-piece
  const rankAt = (i: number): number => merges.get(pairKey(ids[i], ids[i + 1]))?.rank ?? Infinity;
  const ranks: number[] = [];
  for (let i = 0; i + 1 < ids.length; i++) ranks.push(rankAt(i));
  while (ranks.length > 0) {
    let best = 0;
    for (let i = 1; i < ranks.length; i++) if (ranks[i] < ranks[best]) best = i;
    if (ranks[best] === Infinity) break;
    ids[best] = merges.get(pairKey(ids[best], ids[best + 1]))!.id;
    ids.splice(best + 1, 1);
    ranks.splice(best, 1);
    if (best > 0) ranks[best - 1] = rankAt(best - 1);
    if (best < ranks.length) ranks[best] = rankAt(best);
  }
  return ids;
  // #endregion
}
