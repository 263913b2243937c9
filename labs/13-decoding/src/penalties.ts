// Penalties for repeating what is already in the text.
//
// Repetition penalty (Keskar et al. 2019, CTRL §4.1): every token that occurs in
// the sequence so far (prompt included), once however often it occurs, has its
// logit moved towards "less likely" by a factor θ:
//
//   x_i ← x_i / θ   if x_i > 0          x_i ← x_i · θ   if x_i < 0
//
// Dividing a negative logit would raise it, hence the two cases. θ > 1 penalises,
// θ < 1 rewards repetition; CTRL suggests θ ≈ 1.2. transformers.js's
// RepetitionPenaltyLogitsProcessor is the same (a zero logit counts as ≥ 0).
//
// Frequency and presence penalties (OpenAI's API, no paper): subtract in logit
// space, the frequency one per occurrence,
//
//   x_i ← x_i − α_freq · count_i − α_presence · [count_i > 0]
//
// where count_i counts the GENERATED tokens only, as vLLM does and as OpenAI
// describes them (how often a token was sampled so far); the repetition penalty
// counts the prompt too. sampler.ts passes each its own slice of the sequence.

import { UserError } from "@llm-labs/kit";

export function repetitionPenalty(
  logits: Float32Array,
  ids: readonly number[],
  penalty: number,
): Float32Array {
  if (!(penalty > 0)) throw new UserError(`repetition_penalty must be > 0, got ${penalty}`);
  const out = logits.slice();
  // #region exercise repetition-penalty
  for (const id of new Set(ids)) {
    out[id] = out[id] < 0 ? out[id] * penalty : out[id] / penalty;
  }
  // #endregion
  return out;
}

export function frequencyPresencePenalty(
  logits: Float32Array,
  ids: readonly number[],
  frequency: number,
  presence: number,
): Float32Array {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const out = logits.slice();
  for (const [id, c] of counts) out[id] = out[id] - frequency * c - presence;
  return out;
}
