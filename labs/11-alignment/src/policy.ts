// What every training stage of this lab does with the policy: run it on a batch of prompt +
// completion rows, turn a loss on the completions' log-probs into ∂L/∂logits, and take one
// AdamW step on every weight.
//
//   forward (keeping activations) → logits [B·T, V]
//   log π of each completion token (logprobs.ts) → the stage's loss and ∂L/∂ log π_t
//   ∂L/∂logits = ∂L/∂ log π_t · (onehot(y_t) − softmax(logits_t))   (logProbBackward)
//   the model's own backward (packages/model backwardPass), clip to norm 1, AdamW
//
// SFT, DPO, ORPO, PPO and GRPO differ only in the middle line. A value head (PPO) adds its
// ∂L/∂h on the final hidden states, which backwardPass takes as dlnf.

import {
  AdamW,
  backwardPass,
  clipGradNorm,
  decayMask,
  forward,
  zeroGrads,
  type Activations,
  type Floats,
  type GPT,
  type Params,
} from "@llm-labs/model";
import { logProbBackward, tokenLogProbs } from "./logprobs.ts";
import type { SeqBatch } from "./sequences.ts";

// A copy that shares nothing with the original (the reference stays frozen while the policy
// moves): packages/model's copyModel.
export { copyModel as cloneModel } from "@llm-labs/model";

// log π of every completion token of the batch, [B·T] (0 where the target is −1), forward only.
export function batchLogProbs(model: GPT, batch: SeqBatch): Float64Array {
  const a = forward(model, batch.ids, batch.B, batch.T);
  return tokenLogProbs(a.logits, batch.targets, model.config.vocab_size);
}

// What a stage computes from the batch's log-probs: its loss, ∂L/∂ log π_t [B·T], and
// optionally ∂L/∂h [B·T, C] for a head on the final hidden states (acts.lnf).
export type StageLoss = (
  logp: Float64Array,
  acts: Activations,
) => { loss: number; dLogp: ArrayLike<number>; dlnf?: Floats; metrics?: Record<string, number> };

export class PolicyTrainer {
  readonly grads: Params;
  private readonly opt: AdamW;

  constructor(
    readonly model: GPT,
    readonly lr: number,
    weightDecay = 0,
  ) {
    this.grads = zeroGrads(model);
    const n = model.params.flat.length;
    this.opt = new AdamW(n, decayMask(model), { weightDecay });
  }

  // One step on one batch (a head of the stage's own, e.g. PPO's value head, is stepped by
  // the stage from the acts it is given). Returns the stage's loss and metrics.
  step(batch: SeqBatch, stage: StageLoss, lr = this.lr): { loss: number; metrics: Record<string, number> } {
    const V = this.model.config.vocab_size;
    const a = forward(this.model, batch.ids, batch.B, batch.T);
    const logp = tokenLogProbs(a.logits, batch.targets, V);
    const { loss, dLogp, dlnf, metrics } = stage(logp, a);
    // a.logits becomes ∂L/∂logits, row by row in place (each row is read before it is written)
    logProbBackward(a.logits, a.logits, batch.targets, dLogp, V);
    this.grads.flat.fill(0);
    backwardPass(this.model, a, this.grads, { dlnf });
    clipGradNorm(this.grads.flat, 1);
    this.opt.step(this.model.params.flat, this.grads.flat, lr);
    return { loss, metrics: metrics ?? {} };
  }
}
