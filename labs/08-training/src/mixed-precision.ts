// Mixed-precision training, emulated (Micikevicius et al. 2018, "Mixed Precision Training").
//
// The recipe of the paper, and of torch.amp today:
//   1. keep an fp32 master copy of the weights θ
//   2. each step, cast θ to half precision (fp16 or bf16) and run forward and backward in it
//   3. with fp16, multiply the loss by S first, so the backward's small gradients do not
//      round to 0: the half-precision gradients are ĝ = fp16(S · ∇L)
//   4. if ĝ holds an inf or NaN, skip the step (and let the LossScaler lower S)
//   5. otherwise unscale in fp32, g = ĝ / S, clip, and let AdamW update the fp32 θ
// Step 1 is why it works at all: an update η·g is often below half an ulp of θ in fp16
// (θ = 1, ulp 2^-10), and would be lost if θ itself were stored in fp16.
//
// What this file emulates, on the course's float32 backward (lossAndGrads, which takes no
// hooks, so nothing inside it can be rounded):
//   - the weights of forward AND backward are half precision: θ is rounded to fp16 / bf16
//     into a working copy, and lossAndGrads runs on that copy;
//   - the weight gradients are stored in half precision: ∇L (float32) is multiplied by S
//     (a power of two: exact in float32 unless it overflows float32, which it does not here)
//     and rounded to fp16 / bf16. That rounding is where fp16's underflow (below 2^-24) and
//     overflow (above 65504) happen, so loss scaling and its skipped steps are real;
//   - master weights, unscaling, clipping and AdamW in fp32.
// What it does not: the activations, the activation gradients and every sum inside the
// matmuls stay float32 (real fp16 kernels accumulate in fp32 too, but store their outputs
// in fp16, and underflow in the activation gradients is what the paper saw first).
// halfLinear below rounds the linears' outputs for an inference-time forward, where the
// hook exists, so the bench can score each run's weights with half-precision linears.

import {
  AdamW,
  clipGradNorm,
  decayMask,
  forwardPass,
  type GPT,
  type LinearHook,
  learningRate,
  linearForward,
  lossAndGrads,
  sampleBatch,
  viewParams,
  zeroGrads,
  type Activations,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { type HalfFormat, roundArray, roundBf16, roundFp16, roundInPlace } from "./formats.ts";
import { hasInfOrNaN, LossScaler, type LossScalerOptions } from "./loss-scale.ts";

// fp32: no rounding at all. fp16-scaled: fp16 with a dynamic (or given static) loss scaler.
export type Precision = "fp32" | "bf16" | "fp16" | "fp16-scaled";

export interface MixedConfig {
  seed: number;
  steps: number;
  batchSize: number; // B
  seqLen: number; // T
  maxLr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  gradClip: number;
  scaler?: LossScalerOptions; // fp16-scaled only; default GradScaler's, growthInterval 2000
}

export interface MixedStep {
  step: number;
  loss: number; // of the half-precision weights, before scaling
  scale: number; // S used at this step (1 without a scaler)
  skipped: boolean;
  flushed: number; // share of nonzero fp32 gradients that became 0 in half precision
}

const formatOf = (p: Precision): HalfFormat | undefined =>
  p === "fp32" ? undefined : p === "bf16" ? "bf16" : "fp16";

// fp16(S · g) (or bf16): the scaled gradient as a half-precision backward would store it.
// g [n] → ĝ [n] (float32 holding half-precision values), and how many nonzero g became 0.
export function halfGradients(
  g: Float32Array,
  scale: number,
  format: HalfFormat,
  out = new Float32Array(g.length),
): { grads: Float32Array; flushed: number; nonzero: number } {
  const round = format === "fp16" ? roundFp16 : roundBf16;
  let flushed = 0;
  let nonzero = 0;
  for (let i = 0; i < g.length; i++) {
    const h = round(g[i] * scale);
    out[i] = h;
    if (g[i] !== 0) {
      nonzero++;
      if (h === 0) flushed++;
    }
  }
  return { grads: out, flushed, nonzero };
}

// Share of the nonzero entries of g that flush to zero when S · g is stored in fp16.
export function flushShare(g: ArrayLike<number>, scale: number, format: HalfFormat = "fp16"): number {
  const round = format === "fp16" ? roundFp16 : roundBf16;
  let nonzero = 0;
  let flushed = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i] === 0) continue;
    nonzero++;
    if (round(g[i] * scale) === 0) flushed++;
  }
  return nonzero ? flushed / nonzero : 0;
}

// Share of the entries of g that overflow (become ±inf) when S · g is stored in fp16.
export function overflowShare(g: ArrayLike<number>, scale: number): number {
  let inf = 0;
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(roundFp16(g[i] * scale))) inf++;
  return g.length ? inf / g.length : 0;
}

// g ← ĝ / S, in fp32 (in place).
export function unscale(g: Float32Array, scale: number): Float32Array {
  const inv = 1 / scale;
  for (let i = 0; i < g.length; i++) g[i] *= inv;
  return g;
}

// One emulated mixed-precision training run; trains `model` (the fp32 master weights) in place.
export function trainMixed(
  model: GPT,
  tokens: ArrayLike<number>,
  precision: Precision,
  cfg: MixedConfig,
  onStep?: (s: MixedStep) => void,
): MixedStep[] {
  if (!(model.params.flat instanceof Float32Array))
    throw new Error("trainMixed: the master weights must be float32");
  const format = formatOf(precision);
  const master = model.params.flat;
  // the working copy: half-precision values of θ, in a model of its own for lossAndGrads
  const work: GPT = {
    config: model.config,
    params: viewParams(model.config, new Float32Array(master.length)).params,
  };
  const grads = zeroGrads(work);
  const g = grads.flat as Float32Array;
  const half = new Float32Array(master.length);
  const scaler = precision === "fp16-scaled" ? new LossScaler(cfg.scaler) : undefined;
  const opt = new AdamW(master.length, decayMask(model), { weightDecay: cfg.weightDecay });
  const schedule = { maxLr: cfg.maxLr, minLr: cfg.minLr, warmup: cfg.warmup, total: cfg.steps };
  const rng = new Rng(cfg.seed);
  const log: MixedStep[] = [];
  let acts: Activations | undefined;
  for (let step = 0; step < cfg.steps; step++) {
    // 2. θ_half = half(θ)
    work.params.flat.set(master);
    if (format) roundInPlace(work.params.flat as Float32Array, format);
    // forward + backward on the half-precision weights
    const { x, y } = sampleBatch(rng, tokens, cfg.batchSize, cfg.seqLen);
    g.fill(0);
    const r = lossAndGrads(work, x, y, cfg.batchSize, cfg.seqLen, grads, acts);
    acts = r.acts;
    // 3. ĝ = half(S · ∇L)
    const scale = scaler?.scale ?? 1;
    let flushed = 0;
    let skipped = false;
    let update: Float32Array = g;
    if (format) {
      const h = halfGradients(g, scale, format, half);
      flushed = h.nonzero ? h.flushed / h.nonzero : 0;
      // 4. an overflow: skip (with or without a scaler: inf would wreck θ)
      const foundInf = hasInfOrNaN(half);
      skipped = scaler ? scaler.update(foundInf) === "skip" : foundInf;
      // 5. g = ĝ / S in fp32
      update = unscale(half, scale);
    }
    if (!skipped) {
      clipGradNorm(update, cfg.gradClip);
      opt.step(master, update, learningRate(step, schedule));
    }
    const s: MixedStep = { step, loss: r.loss, scale, skipped, flushed };
    log.push(s);
    onStep?.(s);
  }
  return log;
}

// A LinearHook for an inference forward in half precision: x, W and b rounded, the matmul
// summed in float32 (as tensor cores accumulate), the output y rounded again.
// y [rows, N] = half( half(x) [rows, K] · half(W) [K, N] + half(b) [N] )
export function halfLinear(format: HalfFormat): LinearHook {
  return (_l, _name, x, rows, K, N, W) => {
    const xh = roundArray(x, format);
    const wh = roundArray(W.weight, format);
    const bh = W.bias ? roundArray(W.bias, format) : undefined;
    const y = new Float32Array(rows * N);
    linearForward(y, xh, wh, bh ?? new Float32Array(0), rows, K, N); // the specimen's own linear, in float32
    return roundInPlace(y, format);
  };
}

// Mean next-token loss of `model` on windows of `tokens`, every linear by `hook` when given.
export function windowLoss(
  model: GPT,
  tokens: ArrayLike<number>,
  T: number,
  windows: number,
  hook?: LinearHook,
): number {
  const V = model.config.vocab_size;
  let sum = 0;
  let count = 0;
  for (let w = 0; w < windows; w++) {
    const o = w * T;
    if (o + T + 1 > tokens.length) break;
    const ids = Array.from({ length: T }, (_, i) => tokens[o + i]);
    const logits = forwardPass(model, ids, 1, T, hook ? { linear: hook } : {});
    for (let t = 0; t < T; t++) {
      const row = t * V;
      let max = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < V; v++) if (logits[row + v] > max) max = logits[row + v];
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(logits[row + v] - max);
      sum += max + Math.log(z) - logits[row + tokens[o + t + 1]]; // −log softmax(logits)[y]
      count++;
    }
  }
  return sum / count;
}
