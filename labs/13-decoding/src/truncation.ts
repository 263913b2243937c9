// Truncation samplers: cut the unreliable tail of the distribution, then sample.
//
// Every filter sets the logits it drops to `filterValue` (−∞, so exp gives 0) and
// never drops `minTokensToKeep` tokens: the most likely ones for top-k, top-p and
// min-p, the most TYPICAL ones (surprisal nearest the entropy) for typical-p. The
// rules are Hugging Face transformers' (Python) TopK/TopP/MinP/TypicalLogitsWarper.
// Ties: top-k keeps every token tied with the k-th; top-p may cut between tied
// tokens, and then drops the lower ids first (argsort's order; transformers leaves
// it to torch.sort). transformers.js v4 declares TopK and TopP warpers without a
// `_call`, so these are checked against hand calculations and packages/tensor's
// nucleus.

import { softmax64 } from "./temperature.ts";

export interface TruncationOptions {
  minTokensToKeep?: number; // default 1
  filterValue?: number; // default −∞
}

const opts = (o: TruncationOptions) => ({ keep: o.minTokensToKeep ?? 1, fill: o.filterValue ?? -Infinity });

// Token ids sorted by logit, ascending or descending; ties keep the lower id first.
export function argsort(x: ArrayLike<number>, descending: boolean): number[] {
  const ids = Array.from({ length: x.length }, (_, i) => i);
  return ids.sort((a, b) => (descending ? x[b] - x[a] : x[a] - x[b]) || a - b);
}

// Top-k (Fan et al. 2018): keep every token whose logit is ≥ the k-th largest.
// A tie with the k-th keeps all of the tied tokens, so more than k may stay.
export function topK(logits: Float32Array, k: number, o: TruncationOptions = {}): Float32Array {
  const { keep, fill } = opts(o);
  const kk = Math.min(Math.max(k, keep), logits.length);
  const threshold = argsort(logits, true).map((i) => logits[i])[kk - 1];
  return logits.map((x) => (x < threshold ? fill : x));
}

// Top-p, nucleus sampling (Holtzman et al. 2020): keep the smallest set of most
// likely tokens whose probability adds up to ≥ p. Sorted ascending, with
// c_j = p_(1) + … + p_(j) the mass of the j least likely tokens,
//
//   drop token (j)  ⇔  c_j ≤ 1 − p          (the tokens above it already hold ≥ p)
//
// and never drop the `minTokensToKeep` most likely.
export function topP(logits: Float32Array, p: number, o: TruncationOptions = {}): Float32Array {
  const { keep, fill } = opts(o);
  const out = logits.slice();
  // #region exercise top-p
  const probs = softmax64(logits);
  const ascending = argsort(logits, false);
  let cumulative = 0;
  for (let j = 0; j < ascending.length - keep; j++) {
    cumulative += probs[ascending[j]];
    if (cumulative <= 1 - p) out[ascending[j]] = fill;
  }
  // #endregion
  return out;
}

// Min-p (Nguyen et al. 2024): keep the tokens at least p_base times as likely as
// the most likely one,
//
//   keep i  ⇔  p_i ≥ p_base · max_j p_j
//
// so the cut follows the model's confidence: tight when one token dominates,
// loose when many are plausible.
export function minP(logits: Float32Array, pBase: number, o: TruncationOptions = {}): Float32Array {
  const { keep, fill } = opts(o);
  const out = logits.slice();
  // #region exercise min-p
  const probs = softmax64(logits);
  let top = 0;
  for (const x of probs) top = Math.max(top, x);
  const descending = argsort(logits, true);
  for (let r = keep; r < descending.length; r++) {
    const i = descending[r];
    if (probs[i] < pBase * top) out[i] = fill;
  }
  // #endregion
  return out;
}

// Locally typical sampling (Meister et al. 2023): prefer tokens whose surprisal
// −log p_i is close to the distribution's entropy H = −Σ p log p. Sort by
// |−log p_i − H| ascending and keep the shortest prefix whose mass reaches `mass`
// (the token that crosses it included; ties with it too, as transformers does).
export function typicalP(logits: Float32Array, mass: number, o: TruncationOptions = {}): Float32Array {
  const { keep, fill } = opts(o);
  const probs = softmax64(logits);
  let entropy = 0;
  for (const x of probs) if (x > 0) entropy -= x * Math.log(x);
  const shifted = Array.from(probs, (x) => Math.abs(-Math.log(x) - entropy));
  const order = argsort(shifted, false);
  let cumulative = 0;
  let last = 0; // the number of tokens whose running mass stays below `mass`
  for (const i of order) {
    cumulative += probs[i];
    if (cumulative < mass) last++;
  }
  last = Math.min(last, order.length - 1);
  const limit = shifted[order[last]];
  const out = logits.slice();
  order.forEach((i, r) => {
    if (r >= keep && shifted[i] > limit) out[i] = fill;
  });
  return out;
}
