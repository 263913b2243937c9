// Distributions as arrays of probabilities, and drawing from one.
//
// Speculative sampling never looks at logits directly: it compares two
// distributions over the same vocabulary, the draft's q and the target's p,
// both AFTER the usual filters (temperature, top-k, top-p). So the lab's starting
// point is the tensor package's `probsAfterFilters`, which returns exactly the
// distribution `sample` would draw from.

import { argmax, probsAfterFilters, type Rng, type SampleOptions } from "@llm-labs/tensor";

export type Probs = Float64Array;

// p = filters(logits), in float64 so that ratios p/q and differences p - q are clean.
// Temperature 0 is the one-hot at the argmax, exactly what probsAfterFilters
// returns; we build it directly because the decoding loop asks for γ+1 of these
// per step and copying 1,024 probabilities twice per row shows up in the timings.
export function toProbs(logits: Float32Array, opts: SampleOptions): Probs {
  if (opts.temperature === 0) {
    const p = new Float64Array(logits.length);
    p[argmax(logits)] = 1;
    return p;
  }
  return new Float64Array(probsAfterFilters(logits, opts));
}

// Inverse-CDF sampling: u ~ U[0,1), return the first i with p_0 + … + p_i > u.
export function sampleFrom(p: ArrayLike<number>, rng: Rng): number {
  const u = rng.next();
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    cumulative += p[i];
    last = i;
    if (u < cumulative) return i;
  }
  if (last < 0) throw new Error("sampleFrom: the distribution is all zeros");
  return last; // only when rounding left Σp a hair below 1
}

// Checks the options every entry point shares, with errors a learner can act on.
export function checkSpecOptions(gamma: number, temperature: number): void {
  if (!Number.isInteger(gamma) || gamma < 1)
    throw new Error(
      `speculative decoding: γ (gamma, draft tokens per step) must be an integer ≥ 1, got ${gamma}`,
    );
  if (!(temperature >= 0) || !Number.isFinite(temperature))
    throw new Error(
      `speculative decoding: temperature must be a finite number ≥ 0 (0 = greedy), got ${temperature}`,
    );
}
