// Running a model under a method: its loss on a batch, the gradient of that loss with
// respect to θ, and its perplexity on held-out text. Every method of the table goes
// through the same three functions, so their numbers compare.
//
// A method changes the model in up to three places (lab 05's Peft): the weights (apply),
// the batch (prompt tuning puts virtual tokens in front) and the forward (hooks: a prefix in
// the cache, adapters around the linears).

import { copyModel, type Peft } from "@llm-labs/lab-lora";
import {
  crossEntropyBackward,
  forwardPass,
  lossAndGrads,
  zeroGrads,
  type Floats,
  type GPT,
} from "@llm-labs/model";

// The model with θ's weight changes in it (for the methods that change weights).
export function effectiveModel(base: GPT, peft: Peft): GPT {
  const eff = copyModel(base);
  peft.apply(base, eff);
  return eff;
}

// Mean next-token cross-entropy of x → y [B, T] under the method, forward only.
export function methodLoss(
  base: GPT,
  peft: Peft,
  x: Int32Array,
  y: Int32Array,
  B: number,
  T: number,
  eff = effectiveModel(base, peft),
): number {
  const batch = peft.batch?.(x, y, B, T) ?? { x, y, T };
  const hooks = peft.hooks?.(B, batch.T);
  const logits = forwardPass(eff, batch.x, B, batch.T, hooks?.forward);
  return crossEntropyBackward(Float64Array.from(logits), batch.y, B * batch.T, base.config.vocab_size);
}

// ∂L/∂θ of that loss: the forward with the method's hooks, the model's backward with theirs,
// and the weight gradients mapped back to θ.
export function methodGrads(
  base: GPT,
  peft: Peft,
  x: Int32Array,
  y: Int32Array,
  B: number,
  T: number,
): Floats {
  const eff = effectiveModel(base, peft);
  const batch = peft.batch?.(x, y, B, T) ?? { x, y, T };
  const dparams =
    peft.params instanceof Float64Array
      ? new Float64Array(peft.params.length)
      : new Float32Array(peft.params.length);
  const grads = zeroGrads(eff);
  lossAndGrads(eff, batch.x, batch.y, B, batch.T, grads, undefined, peft.hooks?.(B, batch.T, dparams));
  peft.backward(base, grads, dparams);
  return dparams;
}

// Held-out perplexity: non-overlapping windows of `window` tokens, each token after the
// first scored given the ones before it (as packages/model's heldoutLoss, with the method on).
export function methodPerplexity(base: GPT, peft: Peft, tokens: ArrayLike<number>, window: number): number {
  const eff = effectiveModel(base, peft);
  let sum = 0;
  let count = 0;
  for (let start = 0; start + window + 1 <= tokens.length; start += window + 1) {
    const x = Int32Array.from({ length: window }, (_, t) => tokens[start + t]);
    const y = Int32Array.from({ length: window }, (_, t) => tokens[start + t + 1]);
    sum += methodLoss(base, peft, x, y, 1, window, eff) * window;
    count += window;
  }
  if (count === 0)
    throw new Error(`perplexity: ${tokens.length} tokens are fewer than one window of ${window + 1}`);
  return Math.exp(sum / count);
}
