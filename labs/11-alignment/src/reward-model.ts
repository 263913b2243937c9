// A reward model: the specimen's body with one number on top (Ouyang et al. 2022, §3.5;
// Stiennon et al. 2020, §3.4), trained on pairs by the Bradley–Terry likelihood.
//
// The body reads prompt + completion; the head reads the final hidden state of the row's
// last real token, h = ln_f(x)[length − 1] [C], and gives one scalar:
//
//   r(x, y) = h·w + b                                      w [C], b a scalar
//
// The last real token because it is the only position that has seen the whole completion
// (attention is causal), and not position T − 1, which in a right-padded row is padding:
// Hugging Face's GPT2ForSequenceClassification picks the last non-pad token the same way.
//
// Bradley & Terry (1952): the chance that y_c beats y_r is σ(r_c − r_r). So the loss on a
// pair is its negative log-likelihood (Ouyang et al. 2022, eq. 1):
//
//   L = −(1/P) Σ_i log σ(r_c,i − r_r,i)
//
// Only the difference counts: b cancels in it and never receives a gradient, and a reward
// model's scale and offset mean nothing on their own (a margin of 2 means "chosen 88 % of
// the time", whatever the two numbers are).

import { Rng } from "@llm-labs/tensor";
import {
  AdamW,
  backwardPass,
  clipGradNorm,
  decayMask,
  forward,
  learningRate,
  copyModel,
  zeroGrads,
  type Activations,
  type GPT,
  type Params,
} from "@llm-labs/model";
import { packBatch, type SeqBatch } from "./sequences.ts";

export interface RewardModel {
  model: GPT; // the body: a copy of the base, so training it leaves the base untouched
  head: Float64Array; // [C + 1]: w = head[0 .. C), b = head[C]
}

// One preference: two completions of the same prompt, token ids, the judge's winner first.
export interface Pair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

// Any id pads: a row's reward is read at its last real token, which causal attention
// never lets see the padding after it.
export const PAD_ID = 0;

// A copy of the base (its own flat buffer, the same dtype) and a fresh head. w starts small
// and random, N(0, 0.02²) as Hugging Face initialises a classification head: w = 0 would
// make the first step's ∂L/∂h = dr·w zero, so the body would wait a step for its gradient.
export function createRewardModel(base: GPT, seed: number): RewardModel {
  const model = copyModel(base);
  const C = base.config.n_embd;
  const head = new Float64Array(C + 1);
  const rng = new Rng(seed);
  for (let i = 0; i < C; i++) head[i] = rng.normal(0, 0.02);
  return { model, head };
}

// The BT loss of P pairs, its gradient with respect to each reward, and the share of pairs
// the model already ranks right (r_c > r_r; a tie counts as wrong).
export interface BradleyTerry {
  loss: number;
  dChosen: Float64Array; // [P] ∂L/∂r_c
  dRejected: Float64Array; // [P] ∂L/∂r_r
  accuracy: number;
}

// With the margin m = r_c − r_r and σ(m) = 1 / (1 + e^(−m)):
//   −log σ(m) = log(1 + e^(−m)) = max(−m, 0) + log(1 + e^(−|m|))   (the same, never overflowing)
//   d/dm [−log σ(m)] = −(1 − σ(m)) = −σ(−m)
// so ∂L/∂r_c = −σ(−m)/P and ∂L/∂r_r = +σ(−m)/P: a pair already won by a wide margin
// (σ(−m) ≈ 0) stops pulling, a pair ranked wrong pulls with nearly 1/P.
export function bradleyTerry(rChosen: ArrayLike<number>, rRejected: ArrayLike<number>): BradleyTerry {
  const P = rChosen.length;
  if (P === 0) throw new Error("bradleyTerry: no pairs");
  if (rRejected.length !== P)
    throw new Error(`bradleyTerry: ${P} chosen rewards but ${rRejected.length} rejected ones`);
  const dChosen = new Float64Array(P);
  const dRejected = new Float64Array(P);
  // #region exercise bradley-terry
  let loss = 0;
  let wins = 0;
  for (let i = 0; i < P; i++) {
    const margin = rChosen[i] - rRejected[i];
    loss += Math.max(-margin, 0) + Math.log1p(Math.exp(-Math.abs(margin)));
    const pull = 1 / (1 + Math.exp(margin)) / P; // σ(−m)/P
    dChosen[i] = -pull;
    dRejected[i] = pull;
    if (margin > 0) wins++;
  }
  return { loss: loss / P, dChosen, dRejected, accuracy: wins / P };
  // #endregion
}

// Row b's last real token, as a row of the flat [B·T, C] hidden states.
function lastTokenRow(batch: SeqBatch, b: number): number {
  const n = batch.length[b];
  if (!Number.isInteger(n) || n < 1 || n > batch.T)
    throw new Error(`rewardModel: row ${b} has length ${n}, outside 1..${batch.T}`);
  return b * batch.T + n - 1;
}

// r [B] from the activations of a forward over the batch: r_b = h_b·w + b.
function readRewards(rm: RewardModel, batch: SeqBatch, a: Activations): Float64Array {
  const C = rm.model.config.n_embd;
  const r = new Float64Array(batch.B);
  for (let b = 0; b < batch.B; b++) {
    const o = lastTokenRow(batch, b) * C;
    let s = rm.head[C];
    for (let i = 0; i < C; i++) s += a.lnf[o + i] * rm.head[i];
    r[b] = s;
  }
  return r;
}

// The reward of every row of a batch, [B].
export function rewards(rm: RewardModel, batch: SeqBatch): Float64Array {
  if (rm.head.length !== rm.model.config.n_embd + 1)
    throw new Error(
      `rewards: the head has ${rm.head.length} numbers, expected n_embd + 1 = ${rm.model.config.n_embd + 1}`,
    );
  return readRewards(rm, batch, forward(rm.model, batch.ids, batch.B, batch.T));
}

// P pairs as one batch of 2P rows: rows 0..P−1 the chosen completions, rows P..2P−1 the
// rejected ones, in the same order. One forward scores both sides.
export function packPairs(pairs: readonly Pair[]): SeqBatch {
  if (pairs.length === 0) throw new Error("packPairs: no pairs");
  return packBatch(
    [
      ...pairs.map((p) => ({ prompt: p.prompt, completion: p.chosen })),
      ...pairs.map((p) => ({ prompt: p.prompt, completion: p.rejected })),
    ],
    PAD_ID,
  );
}

// The BT loss of a mini-batch of pairs, and its gradient. Chain rule from the loss down:
//   dr [2P]                 = [dChosen | dRejected]
//   dw += Σ_b dr_b · h_b    db += Σ_b dr_b (= 0: b cancels in every margin)
//   ∂L/∂h_n = dr_b · w      at n = the last real token of row b, 0 at every other position
// and from ∂L/∂h the specimen's backward takes it down through ln_f and every block.
// dhead [C + 1] and grads (the body's, from zeroGrads) are ADDED to; with no grads, only
// the head's gradient is computed (a frozen body).
export function rewardLossAndGrads(
  rm: RewardModel,
  pairs: readonly Pair[],
  dhead: Float64Array,
  grads?: Params,
  acts?: Activations,
): { loss: number; accuracy: number; acts: Activations } {
  const C = rm.model.config.n_embd;
  if (dhead.length !== C + 1)
    throw new Error(`rewardLossAndGrads: dhead has ${dhead.length} numbers, expected ${C + 1}`);
  const batch = packPairs(pairs);
  const P = pairs.length;
  const a = forward(rm.model, batch.ids, batch.B, batch.T, acts);
  const r = readRewards(rm, batch, a);
  const bt = bradleyTerry(r.subarray(0, P), r.subarray(P));
  const dr = new Float64Array(2 * P); // [2P]
  dr.set(bt.dChosen);
  dr.set(bt.dRejected, P);
  const dlnf =
    rm.model.params.flat instanceof Float64Array
      ? new Float64Array(a.lnf.length)
      : new Float32Array(a.lnf.length);
  for (let b = 0; b < 2 * P; b++) {
    const o = lastTokenRow(batch, b) * C;
    for (let i = 0; i < C; i++) {
      dhead[i] += dr[b] * a.lnf[o + i];
      dlnf[o + i] = dr[b] * rm.head[i];
    }
    dhead[C] += dr[b];
  }
  if (grads) {
    a.logits.fill(0); // the LM head takes no part in this loss
    backwardPass(rm.model, a, grads, { dlnf });
  }
  return { loss: bt.loss, accuracy: bt.accuracy, acts: a };
}

export interface RewardTrainOptions {
  steps: number;
  batchPairs: number; // P pairs a step, 2P rows through the model
  lr: number; // peak learning rate, for body and head alike
  seed: number; // the order of the pairs
  warmup?: number; // steps of linear warmup, default steps / 10
  trainBody?: boolean; // default true; false trains the head alone on a frozen body
  maxGradNorm?: number; // default 1, over body and head together
}

export interface RewardStep {
  step: number;
  loss: number;
  accuracy: number; // on this step's mini-batch, before the update
  lr: number;
}

// AdamW on the body and the head, the pairs in a fresh random order every epoch, warmup then
// cosine decay to lr/10. No weight decay: it pulls weights toward 0, not toward the base, and
// a short fine-tune wants to stay near what pretraining learnt.
export function trainRewardModel(
  rm: RewardModel,
  pairs: readonly Pair[],
  opts: RewardTrainOptions,
  onStep?: (s: RewardStep) => void,
): RewardStep[] {
  const { steps, batchPairs: P, lr, seed } = opts;
  if (pairs.length === 0) throw new Error("trainRewardModel: no pairs");
  if (!Number.isInteger(P) || P < 1 || P > pairs.length)
    throw new Error(
      `trainRewardModel: batchPairs ${P} must be an integer in 1..${pairs.length}, the number of pairs`,
    );
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`trainRewardModel: steps ${steps} must be a positive integer`);
  const trainBody = opts.trainBody ?? true;
  const maxNorm = opts.maxGradNorm ?? 1;
  const schedule = { maxLr: lr, minLr: lr / 10, warmup: opts.warmup ?? Math.floor(steps / 10), total: steps };
  const body = rm.model.params.flat;
  const grads = trainBody ? zeroGrads(rm.model) : undefined;
  const dhead = new Float64Array(rm.head.length);
  const optBody = trainBody ? new AdamW(body.length, decayMask(rm.model), { weightDecay: 0 }) : undefined;
  const optHead = new AdamW(rm.head.length, new Uint8Array(rm.head.length), { weightDecay: 0 });
  const rng = new Rng(seed);
  let order: number[] = [];
  let acts: Activations | undefined;
  const log: RewardStep[] = [];
  for (let step = 0; step < steps; step++) {
    if (order.length < P) order = rng.shuffle(pairs.map((_, i) => i)); // a new epoch
    const batch = order.splice(0, P).map((i) => pairs[i]);
    grads?.flat.fill(0);
    dhead.fill(0);
    const out = rewardLossAndGrads(rm, batch, dhead, grads, acts);
    acts = out.acts;
    // clip ‖(g_body, g_head)‖₂ to maxNorm, the two as one vector (clipGradNorm with no limit
    // only measures)
    const norm = Math.hypot(grads ? clipGradNorm(grads.flat, Infinity) : 0, clipGradNorm(dhead, Infinity));
    if (norm > maxNorm) {
      if (grads) for (let i = 0; i < grads.flat.length; i++) grads.flat[i] *= maxNorm / norm;
      for (let i = 0; i < dhead.length; i++) dhead[i] *= maxNorm / norm;
    }
    const eta = learningRate(step, schedule);
    if (grads && optBody) optBody.step(body, grads.flat, eta);
    optHead.step(rm.head, dhead, eta);
    const s = { step, loss: out.loss, accuracy: out.accuracy, lr: eta };
    log.push(s);
    onStep?.(s);
  }
  return log;
}

// The share of pairs the reward model ranks right, r_c > r_r, scored batchPairs at a time.
export function pairAccuracy(rm: RewardModel, pairs: readonly Pair[], batchPairs = 16): number {
  if (pairs.length === 0) throw new Error("pairAccuracy: no pairs");
  let wins = 0;
  for (let at = 0; at < pairs.length; at += batchPairs) {
    const some = pairs.slice(at, at + batchPairs);
    const r = rewards(rm, packPairs(some));
    for (let i = 0; i < some.length; i++) if (r[i] > r[some.length + i]) wins++;
  }
  return wins / pairs.length;
}
