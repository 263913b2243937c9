// Choosing the next token from the model's logits.
//
// The filters are applied in the order Hugging Face transformers uses:
//   1. temperature T:   z_i = logit_i / T    (T < 1 sharpens, T > 1 flattens, T = 0 is greedy)
//   2. top-k:           keep the k largest z_i, drop the rest
//   3. softmax:         p_i = exp(z_i - m) / Σ_j exp(z_j - m) over the kept tokens
//   4. top-p (nucleus, Holtzman et al. 2019, arXiv 1904.09751): keep the smallest
//      set of most likely tokens whose total probability is ≥ p, renormalise.
// `probsAfterFilters` returns that final distribution; `sample` draws from it.

import type { Rng } from "./rng.ts";

export interface SampleOptions {
  temperature?: number; // default 1; 0 means greedy (always the argmax)
  topK?: number; // keep only the k most likely tokens
  topP?: number; // keep the smallest set with total probability ≥ topP, in (0, 1]
}

// Index of the largest logit; the first one on ties.
export function argmax(logits: Float32Array): number {
  if (logits.length === 0) throw new Error("argmax: empty logits");
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

function checkOptions(logits: Float32Array, opts: SampleOptions): void {
  const { temperature = 1, topK, topP } = opts;
  if (logits.length === 0) throw new Error("sample: empty logits");
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new Error(`sample: temperature must be a finite number ≥ 0, got ${temperature}`);
  }
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) {
    throw new Error(`sample: topK must be an integer ≥ 1, got ${topK}`);
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) {
    throw new Error(`sample: topP must be in (0, 1], got ${topP}`);
  }
}

// Token indices from most to least likely (ties: lower index first).
function byDescendingValue(values: ArrayLike<number>): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  return order.sort((a, b) => values[b] - values[a] || a - b);
}

// The distribution after all filters, in float64 so that sampling's running
// sum is not disturbed by float32 rounding.
function filteredProbs(logits: Float32Array, opts: SampleOptions): Float64Array {
  checkOptions(logits, opts);
  const { temperature = 1, topK, topP } = opts;
  const n = logits.length;
  const p = new Float64Array(n);
  if (temperature === 0) {
    p[argmax(logits)] = 1;
    return p;
  }

  // 1. temperature. A tiny T (say 1e-320) overflows l / T to ±Infinity, and the
  // softmax below to NaN. Then we divide after shifting by the largest logit,
  // z_i = (l_i - max_j l_j) / T: the same softmax (it ignores a shift), and
  // every z_i ≤ 0, so nothing overflows; as T → 0 it becomes the argmax.
  let lmax = -Infinity;
  for (let i = 0; i < n; i++) lmax = Math.max(lmax, logits[i]);
  const shift = Number.isFinite(lmax) && !Number.isFinite(lmax / temperature) ? lmax : 0;
  const z = Float64Array.from(logits, (l) => (l - shift) / temperature);

  // 2. top-k: the tokens outside the k largest get z = -Infinity, i.e. probability 0.
  if (topK !== undefined && topK < n) {
    for (const i of byDescendingValue(z).slice(topK)) z[i] = -Infinity;
  }

  // 3. softmax, max-subtracted (see softmax.ts for why)
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, z[i]);
  if (m === -Infinity) throw new Error("sample: every logit is -Infinity, nothing can be sampled");
  let sum = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(z[i] - m);
    sum += p[i];
  }
  for (let i = 0; i < n; i++) p[i] = p[i] / sum;

  // 4. top-p: walk from the most likely token, stop as soon as the kept mass reaches topP.
  if (topP !== undefined && topP < 1) {
    const order = byDescendingValue(p);
    let kept = 0;
    let cut = order.length;
    for (let r = 0; r < order.length; r++) {
      kept += p[order[r]];
      if (kept >= topP) {
        cut = r + 1;
        break;
      }
    }
    for (const i of order.slice(cut)) p[i] = 0;
    for (let i = 0; i < n; i++) p[i] = p[i] / kept;
  }
  return p;
}

// The distribution `sample` draws from, for example to compare a draft model's
// q with a target model's p in speculative decoding.
export function probsAfterFilters(logits: Float32Array, opts: SampleOptions = {}): Float32Array {
  return Float32Array.from(filteredProbs(logits, opts));
}

// One token. Inverse-CDF sampling: draw u uniform in [0, 1) and return the first
// token i whose cumulative probability p_0 + ... + p_i exceeds u, so token i is
// chosen with probability p_i. Same rng state -> same token. With temperature 0
// it returns argmax(logits) and does not advance the rng.
export function sample(logits: Float32Array, rng: Rng, opts: SampleOptions = {}): number {
  if (opts.temperature === 0) {
    checkOptions(logits, opts);
    return argmax(logits);
  }
  const p = filteredProbs(logits, opts);
  const u = rng.next();
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    cumulative += p[i];
    last = i;
    if (u < cumulative) return i;
  }
  // Only reachable when rounding left Σp a hair below 1 and u fell in the gap.
  return last;
}
