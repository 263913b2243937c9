// Exact deduplication: one 64-bit hash per document, one set of hashes.
//
// Lee et al. (2022) found the standard web corpora full of copies, and models
// trained on them repeating memorised text; deduplicated, the same models need
// fewer steps to reach the same perplexity. Their exact-substring pass works on
// suffix arrays; the document-level version needs no comparison at all: hash the
// text, and a hash seen before means a copy. With 64-bit hashes the chance that
// two different documents of N collide is about N²/2^65, 1e-9 for N = 200,000:
// small enough to treat a hash match as equality, which is what every pipeline does.
//
// The hash is xxh3-64 from @node-rs/xxhash (a maintained Rust build of Yann
// Collet's xxHash, prebuilt for each platform), several GB/s, so this stage costs
// almost nothing next to the others.

import { xxh3 } from "@node-rs/xxhash";

export const exactHash = (text: string): bigint => xxh3.xxh64(text);

export class ExactDedup {
  private readonly seen = new Set<bigint>();
  get size(): number {
    return this.seen.size;
  }
  // True when `text` was seen before (it is a copy); remembers it otherwise.
  isCopy(text: string): boolean {
    return this.isCopyHash(exactHash(text));
  }
  isCopyHash(h: bigint): boolean {
    if (this.seen.has(h)) return true;
    this.seen.add(h);
    return false;
  }
}
