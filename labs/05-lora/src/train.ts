// Training an adapter: the base stays frozen, only the adapter's numbers move.
//
// Each step writes the effective weights W_eff = f(W₀, θ) into a working copy of
// the model, runs the specimen's own forward and hand-written backward on it
// (which gives G = ∂L/∂W_eff for every weight), maps G to ∂L/∂θ by the chain
// rule (grads.ts for LoRA, ia3.ts for IA3), and takes an AdamW step on θ alone.
// So the optimizer state — two floats per trainable number — is the size of
// the adapter, not of the model: that is LoRA's memory saving in one line.
//
// (Computing G for every weight is wasted work a real implementation avoids,
// see loraLinearBackward; here it keeps the training loop ten lines long.)

import { Rng, type Floats } from "@llm-labs/tensor";
import {
  AdamW,
  type TrainHooks,
  clipGradNorm,
  learningRate,
  lossAndGrads,
  sampleBatch,
  zeroGrads,
  type Activations,
  type GPT,
  type Params,
} from "@llm-labs/model";
import { adapterView, copyModel, type Adapter } from "./adapter.ts";
import { loraGradsFromWeightGrad } from "./grads.ts";
import { addLoraDelta } from "./merge.ts";

// A parameter-efficient method: θ, how θ changes the weights, and how ∂L/∂W maps back to θ.
// The optional members are for methods that change the forward itself rather than the
// weights (lab 10: soft prompts, prefixes, adapters) and for AdaLoRA's extra steps.
export interface Peft {
  name: string;
  params: Floats; // θ, every trainable number
  apply(base: GPT, eff: GPT): void; // eff's adapted weights ← f(base's weights, θ)
  backward(base: GPT, grads: Params, dparams: Floats): void; // dparams += ∂L/∂θ, from grads = ∂L/∂W_eff
  // the forward's hooks for one B×T batch, reading θ; their backward ADDS ∂L/∂θ into dparams
  // (no dparams: inference only)
  hooks?(B: number, T: number, dparams?: Floats): TrainHooks;
  // the batch the model really sees (prompt tuning puts virtual tokens in front), [B, T'] each
  batch?(x: Int32Array, y: Int32Array, B: number, T: number): { x: Int32Array; y: Int32Array; T: number };
  // after the backward, before clipping: ADDS a regulariser's gradient, returns its value
  regularize?(dparams: Floats): number;
  // after the optimizer step, with that step's gradient (AdaLoRA's importance and budget)
  afterStep?(step: number, dparams: Floats): void;
}

export function loraPeft(model: GPT, a: Adapter): Peft {
  return {
    name: `LoRA r=${a.r}`,
    params: a.flat,
    apply(base, eff) {
      for (const e of a.entries) {
        const W = eff.params.h[e.layer][e.target].weight;
        W.set(base.params.h[e.layer][e.target].weight);
        addLoraDelta(W, e.lora, 1);
      }
    },
    backward(_base, grads, dparams) {
      const g = adapterView(model, a, dparams);
      a.entries.forEach((e, k) =>
        loraGradsFromWeightGrad(
          grads.h[e.layer][e.target].weight,
          e.lora,
          g.entries[k].lora.A,
          g.entries[k].lora.B,
        ),
      );
    },
  };
}

export interface PeftTrainConfig {
  seed: number;
  batchSize: number;
  seqLen: number;
  steps: number;
  lr: number;
  warmup: number;
}

// Trains peft.params in place; returns the loss of every step.
export function trainPeft(
  base: GPT,
  peft: Peft,
  tokens: ArrayLike<number>,
  cfg: PeftTrainConfig,
  onStep?: (step: number, loss: number) => void,
): number[] {
  const rng = new Rng(cfg.seed);
  const eff = copyModel(base);
  const grads = zeroGrads(eff);
  const n = peft.params.length;
  const dparams = peft.params instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  const opt = new AdamW(n, new Uint8Array(n), { weightDecay: 0 }); // no decay mask: LoRA is usually trained without weight decay
  const losses: number[] = [];
  let acts: Activations | undefined;
  for (let step = 0; step < cfg.steps; step++) {
    peft.apply(base, eff);
    const B = cfg.batchSize;
    const sampled = sampleBatch(rng, tokens, B, cfg.seqLen);
    const { x, y, T } = peft.batch?.(sampled.x, sampled.y, B, cfg.seqLen) ?? { ...sampled, T: cfg.seqLen };
    grads.flat.fill(0);
    dparams.fill(0);
    const r = lossAndGrads(eff, x, y, B, T, grads, acts, peft.hooks?.(B, T, dparams));
    acts = r.acts;
    peft.backward(base, grads, dparams);
    peft.regularize?.(dparams);
    clipGradNorm(dparams, 1);
    opt.step(
      peft.params,
      dparams,
      learningRate(step, { maxLr: cfg.lr, minLr: cfg.lr / 10, warmup: cfg.warmup, total: cfg.steps }),
    );
    peft.afterStep?.(step, dparams);
    losses.push(r.loss);
    onStep?.(step, r.loss);
  }
  peft.apply(base, eff);
  return losses;
}
