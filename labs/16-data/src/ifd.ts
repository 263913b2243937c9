// Instruction-following difficulty (Li et al. 2024, "From Quantity to Quality").
//
// For an example (Q, A) with answer tokens a_1 … a_m, the model's mean loss on
// the answer with and without the question in front:
//
//   s(A | Q) = −(1/m) Σ_i log p(a_i | Q, a_<i)     s(A) = −(1/m) Σ_i log p(a_i | a_<i)
//   IFD(Q, A) = s(A | Q) / s(A)
//
// IFD near 1: the question does not help the model produce the answer (a hard
// example, or one whose answer does not follow from its question at all); IFD
// well under 1: the question makes the answer easy. The paper keeps the examples
// of highest IFD among those under 1 (above 1, the question makes the answer
// LESS likely: usually a wrong or unrelated answer).

import { forwardPass, type GPT } from "@llm-labs/model";

// The per-token losses of `answer` after `prefix`, [m]. With no prefix the answer
// starts a new document, after the end-of-text token alone, so that both losses
// average over the same m tokens (dropping the first answer token from s(A) only
// would bias IFD upwards: the first token is the hardest to guess).
export function answerLosses(model: GPT, prefix: number[], answer: number[]): Float64Array {
  const before = prefix.length === 0 ? [model.config.bos_token_id] : prefix;
  const ids = [...before, ...answer];
  const T = ids.length - 1;
  const V = model.config.vocab_size;
  const logits = forwardPass(model, ids.slice(0, T), 1, T);
  const out = new Float64Array(answer.length);
  const first = before.length; // the first answer token
  for (let k = 0; k < out.length; k++) {
    const t = first + k - 1; // the row that predicts ids[first + k]
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[t * V + v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[t * V + v] - max);
    out[k] = max + Math.log(z) - logits[t * V + ids[first + k]];
  }
  return out;
}

// IFD from the two loss sequences: the ratio of their means.
export function ifdScore(conditioned: ArrayLike<number>, direct: ArrayLike<number>): number {
  // #region exercise ifd-score
  let c = 0;
  for (let i = 0; i < conditioned.length; i++) c += conditioned[i];
  let d = 0;
  for (let i = 0; i < direct.length; i++) d += direct[i];
  return c / conditioned.length / (d / direct.length);
  // #endregion
}

// The indices of the `k` examples to keep: the highest IFD among those under 1.
export function selectByIfd(scores: number[], k: number): number[] {
  return scores
    .map((s, i) => [s, i] as const)
    .filter(([s]) => s < 1)
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, i]) => i);
}
