// The training loop (after nanoGPT's train.py): sample random windows of the
// token stream, accumulate gradients over micro-batches, clip, take an AdamW
// step at the scheduled learning rate. Everything random comes from one seed,
// so the same seed gives the same losses, step for step.
//
// One optimizer step sees accum · B · T tokens. Gradient accumulation gives a
// large effective batch without holding its activations all at once: the
// gradient of the mean loss over accum micro-batches is the mean of their
// gradients, so each micro-batch's loss is scaled by 1/accum before backward.

import { Rng } from "@llm-labs/tensor";
import { AdamW, clipGradNorm } from "./adamw.ts";
import { lossAndGrads, zeroGrads } from "./backward.ts";
import type { Activations, LlamaActivations } from "./forward.ts";
import type { GPT } from "./gpt.ts";
import { llamaLossAndGrads, zeroLlamaGrads } from "./llama-backward.ts";
import { type Llama, llamaParamShapes } from "./llama-params.ts";
import { type Params, paramShapes } from "./params.ts";
import { learningRate, type Schedule } from "./schedule.ts";

export interface TrainConfig {
  seed: number;
  batchSize: number; // B, sequences per micro-batch
  seqLen: number; // T
  accum: number; // micro-batches per optimizer step
  steps: number;
  maxLr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  gradClip: number;
}

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number; // tokens seen so far
}

// Random windows: x = tokens[o .. o+T), y = tokens[o+1 .. o+T], the next token at each position.
export function sampleBatch(
  rng: Rng,
  tokens: ArrayLike<number>,
  B: number,
  T: number,
): { x: Int32Array; y: Int32Array } {
  if (tokens.length < T + 1)
    throw new Error(`sampleBatch: need at least T + 1 = ${T + 1} tokens, have ${tokens.length}`);
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const o = rng.int(tokens.length - T);
    for (let t = 0; t < T; t++) {
      x[b * T + t] = tokens[o + t];
      y[b * T + t] = tokens[o + t + 1];
    }
  }
  return { x, y };
}

// 1 for every weight that decays (tensors with ≥ 2 dims), 0 for biases and norm parameters.
export function decayMask(model: GPT | Llama): Uint8Array {
  const mask = new Uint8Array(model.params.flat.length);
  let at = 0;
  const shapes =
    model.config.model_type === "llama" ? llamaParamShapes(model.config) : paramShapes(model.config);
  for (const [, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.length >= 2) mask.fill(1, at, at + n);
    at += n;
  }
  return mask;
}

// Trains `model` in place; calls onStep after every optimizer step. Returns the losses.
// Loss and gradients of one micro-batch, for either specimen (added into `grads`).
type Step = (x: Int32Array, y: Int32Array, B: number, T: number) => number;
function stepper(model: GPT | Llama): { grads: { flat: Float32Array | Float64Array }; step: Step } {
  if (model.config.model_type === "llama") {
    const m = model as Llama;
    const grads = zeroLlamaGrads(m);
    let acts: LlamaActivations | undefined;
    return {
      grads,
      step: (x, y, B, T) => {
        const r = llamaLossAndGrads(m, x, y, B, T, grads, acts);
        acts = r.acts;
        return r.loss;
      },
    };
  }
  const m = model as GPT;
  const grads: Params = zeroGrads(m);
  let acts: Activations | undefined;
  return {
    grads,
    step: (x, y, B, T) => {
      const r = lossAndGrads(m, x, y, B, T, grads, acts);
      acts = r.acts;
      return r.loss;
    },
  };
}

export function train(
  model: GPT | Llama,
  tokens: ArrayLike<number>,
  cfg: TrainConfig,
  onStep?: (s: StepInfo) => void,
): number[] {
  const rng = new Rng(cfg.seed);
  const { grads, step: microStep } = stepper(model);
  const opt = new AdamW(model.params.flat.length, decayMask(model), { weightDecay: cfg.weightDecay });
  const schedule: Schedule = { maxLr: cfg.maxLr, minLr: cfg.minLr, warmup: cfg.warmup, total: cfg.steps };
  const losses: number[] = [];
  let tokensSeen = 0;
  for (let step = 0; step < cfg.steps; step++) {
    grads.flat.fill(0);
    let loss = 0;
    for (let m = 0; m < cfg.accum; m++) {
      const { x, y } = sampleBatch(rng, tokens, cfg.batchSize, cfg.seqLen);
      loss += microStep(x, y, cfg.batchSize, cfg.seqLen) / cfg.accum;
      tokensSeen += cfg.batchSize * cfg.seqLen;
    }
    // each micro-batch added the gradient of its own mean loss: average them
    for (let i = 0; i < grads.flat.length; i++) grads.flat[i] /= cfg.accum;
    const gradNorm = clipGradNorm(grads.flat, cfg.gradClip);
    const lr = learningRate(step, schedule);
    opt.step(model.params.flat, grads.flat, lr);
    losses.push(loss);
    onStep?.({ step, loss, lr, gradNorm, tokens: tokensSeen });
  }
  return losses;
}
