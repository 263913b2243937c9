// One training loop for every way of teaching the student, so the comparison
// is fair: the same initial weights, batches of the same shape [B, T], the same
// number of optimizer steps (the token budget), the same schedule and seed.
// Only the targets differ:
//
//   ce    plain next-token cross-entropy on the corpus (the control: just more training)
//   sft   cross-entropy on sequences the teacher sampled (sequence-level KD, Kim & Rush 2016)
//   fkl   forward KL to the teacher's distribution at every corpus position (Hinton et al. 2015)
//   rkl   reverse KL on the student's own samples, with MiniLLM's policy gradient (Gu et al. 2024)
//   gkd   generalized JSD(β); a fraction λ of the batches are the student's own samples
//         (on-policy), the rest corpus text (Agarwal et al. 2024)
//
// The loss sets ∂L/∂logits; the specimen's backwardPass takes it from there.

import {
  allocActivations,
  backwardPass,
  forwardPass,
  lossAndGrads,
  Optimizer,
  sampleBatch,
  viewParams,
  type GPT,
  type TrainConfig,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { z } from "zod";
import { forwardKl, jsd } from "./divergences.ts";
import { sequenceReverseKlGrad } from "./policy-gradient.ts";
import { samplePrompts, studentRollouts } from "./rollout.ts";
import type { Teacher } from "./teacher.ts";

export const METHODS = ["ce", "sft", "fkl", "rkl", "gkd"] as const;
export type Method = (typeof METHODS)[number];

export const DistillConfigSchema = z.object({
  method: z.enum(METHODS),
  seed: z.number().int(),
  steps: z.number().int().positive(),
  batchSize: z.number().int().positive(), // B
  seqLen: z.number().int().min(2), // T
  promptLen: z.number().int().positive(), // P: on-policy rows continue P corpus tokens
  maxLr: z.number().positive(),
  minLr: z.number().nonnegative(),
  warmup: z.number().int().nonnegative(),
  weightDecay: z.number().nonnegative(),
  gradClip: z.number().positive(),
  tau: z.number().positive(), // fkl's temperature
  beta: z.number().gt(0).lt(1), // gkd's JSD(β)
  lambda: z.number().min(0).max(1), // gkd's on-policy fraction
});
export type DistillConfig = z.infer<typeof DistillConfigSchema>;

export interface DistillData {
  train: ArrayLike<number>; // corpus tokens
  teacherSamples?: Int32Array; // [n, T + 1] sequences the teacher wrote (method sft)
}

export interface DistillStep {
  step: number;
  loss: number; // the method's own loss, mean over its positions
  onPolicy: boolean;
  tokens: number; // positions scored so far (on-policy rows score T − P + 1 of T)
}

export async function distill(
  student: GPT,
  teacher: Teacher,
  data: DistillData,
  cfg: DistillConfig,
  onStep?: (s: DistillStep) => void,
): Promise<number[]> {
  const { batchSize: B, seqLen: T, method } = cfg;
  const V = student.config.vocab_size;
  const N = B * T;
  if (method === "sft" && !data.teacherSamples) throw new Error("distill: method sft needs teacherSamples");
  const trainCfg: TrainConfig = { ...cfg, accum: 1 };
  const optimizer = new Optimizer(student, trainCfg);
  const flat = new Float32Array(student.params.flat.length);
  const grads = viewParams(student.config, flat).params;
  const acts = allocActivations(student.config, B, T);
  const rng = new Rng(cfg.seed); // batches and prompts
  const schedule = onPolicySchedule(cfg);
  const losses: number[] = [];
  let tokens = 0;
  for (let step = 0; step < cfg.steps; step++) {
    flat.fill(0);
    let loss: number;
    const onPolicy = schedule[step];
    if (method === "ce" || method === "sft") {
      const { x, y } = method === "ce" ? sampleBatch(rng, data.train, B, T) : teacherBatch(rng, data, B, T);
      loss = lossAndGrads(student, x, y, B, T, grads, acts).loss;
    } else {
      // x: [B, T + 1]; rows 0 … T − 1 of each sequence predict tokens 1 … T.
      const seqs = onPolicy
        ? studentRollouts(
            student,
            samplePrompts(rng, data.train, B, cfg.promptLen),
            T + 1,
            cfg.seed * 1000 + step * B,
          )
        : corpusSequences(rng, data.train, B, T + 1);
      const x = new Int32Array(N);
      const y = new Int32Array(N);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          x[b * T + t] = seqs[b * (T + 1) + t];
          y[b * T + t] = seqs[b * (T + 1) + t + 1];
        }
      const pT = await teacher.logits(x, B, T); // [N, V]
      forwardPass(student, x, B, T, { acts }); // acts.logits: [N, V]
      const dlogits = new Float32Array(N * V);
      // On-policy rows score only what the student wrote: positions P − 1 … T − 1.
      const first = firstScored(cfg, onPolicy);
      const count = B * (T - first);
      loss = 0;
      for (let b = 0; b < B; b++) {
        const lo = (b * T + first) * V;
        const hi = (b + 1) * T * V;
        if (method === "rkl") {
          loss += sequenceReverseKlGrad(
            pT.subarray(lo, hi),
            acts.logits.subarray(lo, hi) as Float32Array,
            y.subarray(b * T + first, (b + 1) * T),
            V,
            dlogits.subarray(lo, hi),
            1 / count,
          );
          continue;
        }
        for (let o = lo; o < hi; o += V) {
          const pRow = pT.subarray(o, o + V);
          const qRow = acts.logits.subarray(o, o + V);
          const gRow = dlogits.subarray(o, o + V);
          loss +=
            method === "fkl"
              ? forwardKl(pRow, qRow, gRow, 1 / count, cfg.tau)
              : jsd(pRow, qRow, gRow, cfg.beta, 1 / count);
        }
      }
      loss /= count;
      acts.logits.set(dlogits);
      backwardPass(student, acts, grads);
    }
    optimizer.step(step, flat);
    losses.push(loss);
    tokens += B * (T - firstScored(cfg, onPolicy));
    onStep?.({ step, loss, onPolicy, tokens });
  }
  return losses;
}

// Which steps are on-policy: every step for rkl, a coin with P(heads) = λ per
// step for gkd (its own Rng, so the batches' Rng draws the same for every
// method), none for the others. A pure function of the config, so the count of
// positions a student was scored on can be worked out without training it.
export function onPolicySchedule(
  cfg: Pick<DistillConfig, "method" | "seed" | "steps" | "lambda">,
): boolean[] {
  const coin = new Rng(cfg.seed + 1);
  return Array.from(
    { length: cfg.steps },
    () => cfg.method === "rkl" || (cfg.method === "gkd" && coin.next() < cfg.lambda),
  );
}

// The first scored position of a row. An on-policy row is P prompt tokens and
// T + 1 − P the student wrote; position t predicts token t + 1, so the student's
// own tokens are predicted at positions P − 1 … T − 1: T − P + 1 of the T.
function firstScored(cfg: Pick<DistillConfig, "promptLen">, onPolicy: boolean): number {
  return onPolicy ? cfg.promptLen - 1 : 0;
}

// Positions a whole run scores: B · T per off-policy step, B · (T − P + 1) per
// on-policy one.
export function scoredPositions(cfg: DistillConfig): number {
  const { batchSize: B, seqLen: T } = cfg;
  return onPolicySchedule(cfg).reduce((n, on) => n + B * (T - firstScored(cfg, on)), 0);
}

// B windows of `length` consecutive corpus tokens: [B, length].
function corpusSequences(rng: Rng, tokens: ArrayLike<number>, B: number, length: number): Int32Array {
  const out = new Int32Array(B * length);
  for (let b = 0; b < B; b++) {
    const o = rng.int(tokens.length - length + 1);
    for (let t = 0; t < length; t++) out[b * length + t] = tokens[o + t];
  }
  return out;
}

// B of the teacher's sequences [n, T + 1], as inputs and next-token targets.
function teacherBatch(rng: Rng, data: DistillData, B: number, T: number): { x: Int32Array; y: Int32Array } {
  const s = data.teacherSamples!;
  const n = s.length / (T + 1);
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const o = rng.int(n) * (T + 1);
    for (let t = 0; t < T; t++) {
      x[b * T + t] = s[o + t];
      y[b * T + t] = s[o + t + 1];
    }
  }
  return { x, y };
}
