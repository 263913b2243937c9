// Locality-sensitive hashing by banding: find similar pairs without comparing all pairs.
//
// Comparing every document's signature with every other one is O(N²). Instead
// cut the H = b·r positions into b bands of r rows and hash each band to a
// bucket; two documents become a candidate pair when they share a bucket in at
// least one band (Leskovec, Rajaraman & Ullman, Mining of Massive Datasets, §3.4).
// For a pair with Jaccard similarity s, one band matches with probability s^r
// (all r rows agree, each with probability s), so
//
//   P[candidate] = 1 − (1 − s^r)^b,
//
// an S-curve whose steep part sits near the threshold t ≈ (1/b)^(1/r). More rows
// make the step steeper and move it right; more bands move it left. FineWeb uses
// 14 bands of 8 rows on word 5-grams (t ≈ 0.72).
//
// A band's key must depend on the band's index as well as its values, or band 0
// of one document could meet band 3 of another that happens to hold the same r
// numbers.

import { fmix32 } from "./shingles.ts";

export interface Banding {
  bands: number; // b
  rows: number; // r
}

// The S-curve: the probability that a pair with Jaccard s shares at least one band.
export const sCurve = (s: number, { bands, rows }: Banding): number => 1 - (1 - s ** rows) ** bands;

// Where the curve is steepest, approximately: (1/b)^(1/r).
export const threshold = ({ bands, rows }: Banding): number => (1 / bands) ** (1 / rows);

// One 32-bit key per band, [b], from a signature of b·r values.
export function bandKeys(
  sig: Uint32Array,
  { bands, rows }: Banding,
  out = new Uint32Array(bands),
): Uint32Array {
  if (sig.length !== bands * rows)
    throw new Error(`bandKeys: a signature of ${sig.length} values is not ${bands} bands × ${rows} rows`);
  // #region exercise lsh-bands
  for (let band = 0; band < bands; band++) {
    let h = fmix32(band + 1);
    for (let j = 0; j < rows; j++) h = fmix32((h ^ sig[band * rows + j]) >>> 0);
    out[band] = h;
  }
  // #endregion
  return out;
}

// A second 32-bit hash of each band, [b], independent of bandKeys' (another
// seed and another fold), so that the index can store 64 bits a band.
export function bandChecks(
  sig: Uint32Array,
  { bands, rows }: Banding,
  out = new Uint32Array(bands),
): Uint32Array {
  for (let k = 0; k < bands; k++) {
    let h = 0x9e3779b9 ^ k;
    for (let j = 0; j < rows; j++) h = Math.imul(h ^ fmix32(sig[k * rows + j] + 0x7f4a7c15), 0x01000193);
    out[k] = h >>> 0;
  }
  return out;
}

// True when two signatures share at least one band: what the index finds for a pair.
export function collide(a: Uint32Array, b: Uint32Array, banding: Banding): boolean {
  const ka = bandKeys(a, banding);
  const kb = bandKeys(b, banding);
  for (let i = 0; i < banding.bands; i++) if (ka[i] === kb[i]) return true;
  return false;
}
