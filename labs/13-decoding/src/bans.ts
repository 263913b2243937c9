// Rules that ban tokens outright (logit −∞), each the transformers.js processor of
// the same name:
//
//   no-repeat n-gram   NoRepeatNGramLogitsProcessor: if the last n − 1 tokens already
//                      occurred followed by t, ban t, so no n-gram occurs twice
//   bad words          NoBadWordsLogitsProcessor: for each banned sequence w₁…w_m, if
//                      the text ends with w₁…w_{m−1}, ban w_m (m = 1: always)
//   min length         MinLengthLogitsProcessor: no end-of-sequence while the whole
//                      sequence (prompt included) is shorter than min_length
//   min new tokens     MinNewTokensLengthLogitsProcessor: the same, counting only new tokens
//   forced end         ForcedEOSTokenLogitsProcessor: at length max_length − 1 only the
//                      end-of-sequence is left (logit 0, every other −∞). transformers
//                      adds it only when `forced_eos_token_id` is set; the maximum
//                      length itself is a stopping criterion (sampler.ts's `generate`)

export function noRepeatNgram(logits: Float32Array, ids: readonly number[], n: number): Float32Array {
  const out = logits.slice();
  if (n < 1 || ids.length + 1 < n) return out;
  const tail = ids.slice(ids.length - (n - 1));
  for (let j = 0; j + n <= ids.length; j++) {
    let same = true;
    for (let k = 0; k < n - 1 && same; k++) same = ids[j + k] === tail[k];
    if (same) out[ids[j + n - 1]] = -Infinity;
  }
  return out;
}

export function badWords(
  logits: Float32Array,
  ids: readonly number[],
  banned: readonly number[][],
): Float32Array {
  const out = logits.slice();
  for (const word of banned) {
    const m = word.length;
    if (ids.length < m - 1) continue;
    let endsWithPrefix = true;
    for (let j = 1; j < m && endsWithPrefix; j++) endsWithPrefix = word[m - 1 - j] === ids[ids.length - j];
    if (endsWithPrefix) out[word[m - 1]] = -Infinity;
  }
  return out;
}

export function minLength(
  logits: Float32Array,
  length: number,
  min: number,
  eos: readonly number[],
): Float32Array {
  const out = logits.slice();
  if (length < min) for (const e of eos) out[e] = -Infinity;
  return out;
}

export function minNewTokens(
  logits: Float32Array,
  length: number,
  promptLength: number,
  minNew: number,
  eos: readonly number[],
): Float32Array {
  return minLength(logits, length - promptLength, minNew, eos);
}

export function forcedEosAtMaxLength(
  logits: Float32Array,
  length: number,
  maxLength: number,
  eos: readonly number[],
): Float32Array {
  if (length !== maxLength - 1) return logits.slice();
  const out = new Float32Array(logits.length).fill(-Infinity);
  for (const e of eos) out[e] = 0;
  return out;
}
