// Temperature: z_i = logit_i / T before the softmax.
//
// p_i = exp(z_i) / Σ_j exp(z_j). T < 1 widens the gaps between logits (sharper,
// towards greedy as T → 0), T > 1 narrows them (flatter, towards uniform). The
// ranking never changes, so greedy decoding ignores T. Same as transformers.js's
// TemperatureLogitsWarper, which divides in place.

import { UserError } from "@llm-labs/kit";

export function temperature(logits: Float32Array, t: number): Float32Array {
  if (!(t > 0) || !Number.isFinite(t))
    throw new UserError(
      `temperature must be a finite number > 0, got ${t} (greedy decoding is do_sample: false)`,
    );
  return logits.map((x) => x / t);
}

// softmax in float64: what every sampler below measures its thresholds in.
export function softmax64(logits: Float32Array): Float64Array {
  let m = -Infinity;
  for (const x of logits) m = Math.max(m, x);
  const p = Float64Array.from(logits, (x) => Math.exp(x - m));
  let s = 0;
  for (const x of p) s += x;
  return p.map((x) => x / s);
}
