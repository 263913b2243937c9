// The S-curve measured: pairs at known Jaccard, and how often LSH makes them candidates.
//
// Each pair is a story and a mutated copy of it (dirty-corpus.ts, mutate); its
// true Jaccard is computed from the shingle sets, its candidate-ness from the
// band keys of the two signatures. Binned by true similarity, the fraction that
// collide should follow 1 − (1 − s^r)^b.

import { Rng } from "@llm-labs/tensor";
import { story } from "@llm-labs/model";
import { mutate } from "./dirty-corpus.ts";
import { collide, sCurve, type Banding } from "./lsh.ts";
import { minHasher, signature } from "./minhash.ts";
import { jaccard, shingleHashes } from "./shingles.ts";

export interface SCurveBin {
  s: number; // the bin's mean true Jaccard
  pairs: number;
  measured: number;
  formula: number;
}

export function measureSCurve(banding: Banding, pairs: number, seed: number, k = 5, bins = 10): SCurveBin[] {
  const rng = new Rng(seed);
  const m = minHasher(banding.bands * banding.rows, seed + 1);
  const sum = new Float64Array(bins);
  const hit = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let n = 0; n < pairs; n++) {
    const a = `${story(rng)}\n${story(rng)}`;
    const b = mutate(rng, a, rng.next() * 0.25);
    const sa = shingleHashes(a, k).slice();
    const sb = shingleHashes(b, k).slice();
    const s = jaccard(sa, sb);
    const bin = Math.min(bins - 1, Math.floor(s * bins));
    sum[bin] += s;
    count[bin]++;
    if (collide(signature(m, sa), signature(m, sb), banding)) hit[bin]++;
  }
  const out: SCurveBin[] = [];
  for (let i = 0; i < bins; i++) {
    if (count[i] === 0) continue;
    const s = sum[i] / count[i];
    out.push({ s, pairs: count[i], measured: hit[i] / count[i], formula: sCurve(s, banding) });
  }
  return out;
}
