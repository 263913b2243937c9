// Perplexity: how surprised the model is by text it has not seen.
//
//   loss = -(1/N) Σ_i log p(x_i | x_<i)      (mean cross-entropy, in nats per token)
//   perplexity = exp(loss)
//
// A perplexity of k means the model is, on average, as uncertain as a fair choice
// among k tokens. We cut the held-out token stream into windows of n_positions + 1
// tokens and score every token of a window but the first, given the ones before it
// in the window (non-overlapping windows, so each token is scored once, and early
// tokens of a window see less context: the usual, slightly pessimistic, estimate).

import { type AnySpecimen, forwardPass } from "./forward.ts";

// window: the GPT-2's n_positions or the Llama's max_position_embeddings unless told
// (a Llama may be scored past it: lab 07's long-context table).
export function heldoutLoss(
  model: AnySpecimen,
  tokens: ArrayLike<number>,
  window = model.config.model_type === "llama"
    ? model.config.max_position_embeddings
    : model.config.n_positions,
  maxTokens = Infinity,
): number {
  const V = model.config.vocab_size;
  let sum = 0;
  let count = 0;
  const n = Math.min(tokens.length, maxTokens);
  for (let start = 0; start + 1 < n; start += window) {
    const T = Math.min(window, n - 1 - start);
    const ids = Array.from({ length: T }, (_, i) => tokens[start + i]);
    const logits = forwardPass(model, ids, 1, T);
    for (let t = 0; t < T; t++) {
      const o = t * V;
      const y = tokens[start + t + 1];
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(logits[o + v] - max);
      sum += max + Math.log(z) - logits[o + y]; // -log softmax(logits)[y]
      count++;
    }
  }
  return sum / count;
}

// The unigram baseline: every token predicted with its training-set frequency,
// ignoring context (add-one smoothing, so unseen tokens get a small probability):
//   p(v) = (count_train(v) + 1) / (N_train + V),   loss = -(1/N) Σ_i log p(x_i)
export function unigramLoss(train: ArrayLike<number>, heldout: ArrayLike<number>, vocabSize: number): number {
  const counts = new Float64Array(vocabSize).fill(1);
  for (let i = 0; i < train.length; i++) counts[train[i]]++;
  const total = train.length + vocabSize;
  let sum = 0;
  for (let i = 1; i < heldout.length; i++) sum -= Math.log(counts[heldout[i]] / total);
  return sum / (heldout.length - 1);
}
