// MinHash: a fixed-size signature whose agreement estimates Jaccard similarity.
//
// Broder (1997): pick a random permutation π of the hash space. For two sets
// A and B, the smallest element of A ∪ B under π is equally likely to be any of
// them, and min π(A) = min π(B) exactly when that element lies in A ∩ B, so
//
//   P[min π(A) = min π(B)] = |A ∩ B| / |A ∪ B| = J(A, B).
//
// With H independent permutations the signature is sig[i] = min_x π_i(x), and
// the fraction of positions where two signatures agree is an unbiased estimate
// of J with variance J(1 − J)/H (a binomial proportion): H = 64 gives a standard
// error of at most 0.0625.
//
// Our π_i: x ↦ fmix32(x XOR seed_i). fmix32 is a bijection of the 32-bit values,
// so π_i is a permutation, and a strong mixer, so different seeds give orderings
// that behave as independent ones (the tests measure that the estimate is
// unbiased). Real implementations (datasketch, datatrove) use
// (a·x + b) mod (2^61 − 1); JavaScript has no fast 64-bit multiply, and 32-bit
// signatures are what the bands hash anyway.

import { Rng } from "@llm-labs/tensor";
import { fmix32 } from "./shingles.ts";

export interface MinHasher {
  H: number; // signature length = bands × rows
  seeds: Uint32Array; // [H]
}

export function minHasher(H: number, seed: number): MinHasher {
  if (!Number.isInteger(H) || H < 1) throw new Error(`minHasher: H must be a positive integer, got ${H}`);
  const rng = new Rng(seed);
  const seeds = new Uint32Array(H);
  for (let i = 0; i < H; i++) seeds[i] = rng.nextUint32();
  return { H, seeds };
}

// sig[i] = min over the shingles x of π_i(x), [H]. An empty set has every entry
// 0xffffffff (no element, so the minimum is the top of the range).
export function signature(m: MinHasher, shingles: Uint32Array, out = new Uint32Array(m.H)): Uint32Array {
  // #region exercise minhash-signature
  out.fill(0xffffffff);
  for (let i = 0; i < m.H; i++) {
    const s = m.seeds[i];
    let min = 0xffffffff;
    for (let j = 0; j < shingles.length; j++) {
      const h = fmix32((shingles[j] ^ s) >>> 0);
      if (h < min) min = h;
    }
    out[i] = min;
  }
  // #endregion
  return out;
}

// The MinHash estimate of J: the fraction of positions where the signatures agree.
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new Error(`estimateJaccard: lengths ${a.length} and ${b.length} differ`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
