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
import { lossAndGrads } from "./backward.ts";
import type { Activations, LlamaActivations } from "./forward.ts";
import type { GPT } from "./gpt.ts";
import { llamaLossAndGrads } from "./llama-backward.ts";
import { type Llama, llamaParamShapes, viewLlamaParams } from "./llama-params.ts";
import { paramShapes, viewParams } from "./params.ts";
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

// Loss and gradients of one micro-batch, for either specimen. `grads` is a Params view
// of a flat buffer the caller zeroed: every micro-batch gets a gradient of its own,
// and the step adds them up in micro-batch order (sumMicroBatches). Then one thread
// and any number of workers (train-workers.ts) give the same sums, bit for bit.
export type MicroStep = (x: Int32Array, y: Int32Array, grads: Float32Array | Float64Array) => number;
export function microStepper(model: GPT | Llama, B: number, T: number): MicroStep {
  if (model.config.model_type === "llama") {
    const m = model as Llama;
    let acts: LlamaActivations | undefined;
    return (x, y, flat) => {
      const r = llamaLossAndGrads(m, x, y, B, T, viewLlamaParams(m.config, flat).params, acts);
      acts = r.acts;
      return r.loss;
    };
  }
  const m = model as GPT;
  let acts: Activations | undefined;
  return (x, y, flat) => {
    const r = lossAndGrads(m, x, y, B, T, viewParams(m.config, flat).params, acts);
    acts = r.acts;
    return r.loss;
  };
}

// The micro-batches of one optimizer step, drawn in order from the one seeded Rng.
export function sampleStep(
  rng: Rng,
  tokens: ArrayLike<number>,
  cfg: TrainConfig,
): { x: Int32Array; y: Int32Array }[] {
  return Array.from({ length: cfg.accum }, () => sampleBatch(rng, tokens, cfg.batchSize, cfg.seqLen));
}

// g = Σ_m g_m over the micro-batches, in order m = 0, 1, …, accum − 1.
export function sumMicroBatches(
  into: Float32Array,
  perMicroBatch: ArrayLike<Float32Array | Float64Array>,
): void {
  into.fill(0);
  for (let m = 0; m < perMicroBatch.length; m++) {
    const g = perMicroBatch[m];
    for (let i = 0; i < into.length; i++) into[i] += g[i];
  }
}

// What follows the gradients in every step: average over the micro-batches (each one
// added the gradient of its own mean loss), clip, and an AdamW step at the scheduled rate.
export class Optimizer {
  private readonly opt: AdamW;
  private readonly schedule: Schedule;
  constructor(
    private readonly model: GPT | Llama,
    private readonly cfg: TrainConfig,
  ) {
    this.opt = new AdamW(model.params.flat.length, decayMask(model), { weightDecay: cfg.weightDecay });
    this.schedule = { maxLr: cfg.maxLr, minLr: cfg.minLr, warmup: cfg.warmup, total: cfg.steps };
  }
  step(step: number, grads: Float32Array | Float64Array): { lr: number; gradNorm: number } {
    for (let i = 0; i < grads.length; i++) grads[i] /= this.cfg.accum;
    const gradNorm = clipGradNorm(grads, this.cfg.gradClip);
    const lr = learningRate(step, this.schedule);
    this.opt.step(this.model.params.flat, grads, lr);
    return { lr, gradNorm };
  }
}

// Trains `model` in place on this thread; calls onStep after every optimizer step and
// returns the losses. trainParallel (train-workers.ts) is the same loop over workers.
export function train(
  model: GPT | Llama,
  tokens: ArrayLike<number>,
  cfg: TrainConfig,
  onStep?: (s: StepInfo) => void,
): number[] {
  const rng = new Rng(cfg.seed);
  const microStep = microStepper(model, cfg.batchSize, cfg.seqLen);
  const Ctor = model.params.flat instanceof Float64Array ? Float64Array : Float32Array;
  const P = model.params.flat.length;
  const g = new Ctor(P); // one micro-batch's gradient
  const grads = new Ctor(P); // the step's: the sum over its micro-batches
  const optimizer = new Optimizer(model, cfg);
  const losses: number[] = [];
  let tokensSeen = 0;
  for (let step = 0; step < cfg.steps; step++) {
    grads.fill(0);
    let loss = 0;
    for (const { x, y } of sampleStep(rng, tokens, cfg)) {
      g.fill(0);
      loss += microStep(x, y, g) / cfg.accum;
      for (let i = 0; i < P; i++) grads[i] += g[i]; // the sum sumMicroBatches takes, in the same order
      tokensSeen += cfg.batchSize * cfg.seqLen;
    }
    const { lr, gradNorm } = optimizer.step(step, grads);
    losses.push(loss);
    onStep?.({ step, loss, lr, gradNorm, tokens: tokensSeen });
  }
  return losses;
}
