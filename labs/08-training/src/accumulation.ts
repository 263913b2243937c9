// Gradient accumulation, weighted by tokens.
//
// One optimizer step wants the gradient of the mean loss over every target token
// of a large batch, N = Σ_i n_i tokens split into k micro-batches (micro-batch i
// holds n_i tokens with a target):
//
//   L = (1/N) Σ_tokens ℓ_t = Σ_i (n_i / N) · L_i       where L_i = (1/n_i) Σ_{t ∈ i} ℓ_t
//   ∇L = Σ_i w_i · ∇L_i                                 with w_i = n_i / Σ_j n_j
//
// `lossAndGrads` (packages/model/src/backward.ts) returns L_i and adds ∇L_i, the
// gradient of the micro-batch's OWN mean, so each micro-batch must be re-weighted
// by its share of the tokens. The common loop (nanoGPT's train.py, and this
// course's own `train`) divides by k instead:
//
//   ∇L_wrong = (1/k) Σ_i ∇L_i          the mean of means
//
// which is the same thing only when every n_i is equal. With padding, a loss mask
// (targets of -1: prompt tokens in fine-tuning) or packed sequences of different
// lengths, a micro-batch with 3 real tokens then counts as much as one with 3000:
// the gradient is biased toward short micro-batches, and the loss curve changes
// with k. Hugging Face's Trainer had exactly this bug until October 2024 (the
// "gradient accumulation bug" reported by Unsloth; the fix counts the targets of
// all k micro-batches first, `num_items_in_batch`, and divides each micro-batch's
// summed loss by that total).
//
// Counting comes first: N must be known before the first micro-batch is weighted,
// and it only needs the targets, not a forward pass.
//
// PyTorch scales the loss by w_i before backward(); `lossAndGrads` has no scale,
// so each micro-batch's gradient goes into a scratch buffer and is added with its
// weight: the same sum, one more parameter-sized buffer.

import { type GPT, lossAndGrads, type Params, zeroGrads } from "@llm-labs/model";

// ids and targets [B, T] row-major; a target of -1 has no loss (padding, a masked prompt).
export interface MicroBatch {
  ids: ArrayLike<number>;
  targets: ArrayLike<number>;
  B: number;
  T: number;
}

// "tokens": w_i = n_i / Σ n_j (the mean over every token of the step: right).
// "mean-of-means": w_i = 1 / k (nanoGPT's loop: right only when all n_i are equal).
export type Weighting = "tokens" | "mean-of-means";

// n_i: the positions that have a target.
export function countTargets(targets: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] >= 0) n++;
  return n;
}

// w_i for each micro-batch, from the counts n_i; the weights sum to 1 either way.
export function microBatchWeights(counts: number[], weighting: Weighting = "tokens"): number[] {
  if (counts.length === 0) throw new Error("microBatchWeights: no micro-batches");
  counts.forEach((n, i) => {
    if (!(n > 0))
      throw new Error(`microBatchWeights: micro-batch ${i} has ${n} targets; each needs at least 1`);
  });
  // #region exercise accumulation-weighting
  const total = counts.reduce((a, b) => a + b, 0); // N = Σ n_j
  return counts.map((n) => (weighting === "tokens" ? n / total : 1 / counts.length));
  // #endregion
}

// Forward and backward over every micro-batch, then one gradient for one optimizer
// step. Returns the weighted loss (the step's loss under that weighting), the
// gradient, and the token counts n_i.
export function accumulateGradients(
  model: GPT,
  batches: MicroBatch[],
  weighting: Weighting = "tokens",
): { loss: number; grads: Params; counts: number[] } {
  if (batches.length === 0) throw new Error("accumulateGradients: no micro-batches");
  const counts = batches.map((b) => countTargets(b.targets));
  const w = microBatchWeights(counts, weighting);
  const grads = zeroGrads(model); // ∇L, the sum of the weighted micro-batch gradients
  const scratch = zeroGrads(model); // ∇L_i of one micro-batch
  const g = grads.flat;
  const gi = scratch.flat;
  let loss = 0;
  for (let i = 0; i < batches.length; i++) {
    const { ids, targets, B, T } = batches[i];
    gi.fill(0);
    const Li = lossAndGrads(model, ids, targets, B, T, scratch).loss;
    // #region exercise accumulation-weighting
    for (let j = 0; j < g.length; j++) g[j] += w[i] * gi[j];
    loss += w[i] * Li;
    // #endregion
  }
  return { loss, grads, counts };
}

// ‖a - b‖₂ / ‖b‖₂: how far one gradient is from another, as one number for the whole model.
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: lengths ${a.length} and ${b.length} differ`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] * b[i];
  }
  return Math.sqrt(num / den);
}
