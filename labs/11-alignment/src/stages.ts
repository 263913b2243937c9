// The preference stages, each a loop around PolicyTrainer.step (policy.ts): the data it needs,
// the loss it computes on the completions' log-probs, and nothing else.
//
//   DPO    pairs judged once, reference log-probs cached once; the loss of dpo.ts
//   ORPO   the same pairs, no reference; the loss of orpo.ts (SFT on the chosen + odds ratio)
//   GRPO   G fresh samples per request every step, scored by the judge; group-normalised
//          advantages, the clipped surrogate and a k3 KL to the reference (grpo.ts)
//   PPO    one fresh sample per request every step; per-token rewards with the KL penalty,
//          a value head on the policy's final hidden states, GAE, two clipped epochs (ppo.ts)

import { AdamW, forward, type GPT } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { dpoLoss, type PreferenceLoss } from "./dpo.ts";
import { groupAdvantages, grpoLoss } from "./grpo.ts";
import { completionLengths, sequenceLogProbs, tokenLogProbs } from "./logprobs.ts";
import { orpoLoss } from "./orpo.ts";
import { batchLogProbs, PolicyTrainer } from "./policy.ts";
import { clippedPolicyLoss, clippedValueLoss, gae, klPenalizedRewards, whiten } from "./ppo.ts";
import { answerLogProbs, answerText, promptIds, sampleAnswers, type Tokenizer } from "./rollouts.ts";
import { packBatch, type SeqBatch } from "./sequences.ts";
import { judgeReward, type Message } from "./task.ts";

export interface PreferencePair {
  n: number;
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

// k sampled answers per request from the SFT model; the judge's best is chosen, its worst
// rejected; a request whose answers all tie gives no pair.
export function preferencePairs(
  sft: GPT,
  tok: Tokenizer,
  requests: readonly { n: number; messages: Message[] }[],
  seed: number,
  k = 4,
): PreferencePair[] {
  const prompts = requests.map((r) => promptIds(tok, r.messages));
  const samples = Array.from({ length: k }, (_, j) => sampleAnswers(sft, prompts, seed * 31 + j));
  const pairs: PreferencePair[] = [];
  requests.forEach((r, i) => {
    const scored = samples.map((s) => ({ ids: s[i], r: judgeReward(r.n, answerText(tok, s[i])) }));
    let best = scored[0];
    let worst = scored[0];
    for (const x of scored) {
      if (x.r > best.r) best = x;
      if (x.r < worst.r) worst = x;
    }
    if (best.r > worst.r) pairs.push({ n: r.n, prompt: prompts[i], chosen: best.ids, rejected: worst.ids });
  });
  return pairs;
}

export interface StageConfig {
  steps: number;
  lr: number;
  seed: number;
}

// Chosen rows 0 … P−1, rejected rows P … 2P−1, in one batch.
function pairBatch(pairs: readonly PreferencePair[], padId: number): SeqBatch {
  return packBatch(
    [
      ...pairs.map((p) => ({ prompt: p.prompt, completion: p.chosen })),
      ...pairs.map((p) => ({ prompt: p.prompt, completion: p.rejected })),
    ],
    padId,
  );
}

// ∂L/∂ log π(y) of each row [B] → ∂L/∂ log π_t at each of its counted positions [B·T].
function spread(dSeq: ArrayLike<number>, batch: SeqBatch): Float64Array {
  const d = new Float64Array(batch.B * batch.T);
  for (let b = 0; b < batch.B; b++)
    for (let t = 0; t < batch.T; t++) if (batch.targets[b * batch.T + t] >= 0) d[b * batch.T + t] = dSeq[b];
  return d;
}

export type StepLog = (step: number, loss: number, metrics: Record<string, number>) => void;

// The offline preference loop DPO and ORPO share: P random pairs a step, chosen rows then
// rejected rows in one batch, and a loss on their summed log-probs and lengths.
type PairLoss = (
  idx: number[],
  seq: { chosen: Float64Array; rejected: Float64Array },
  len: { chosen: Int32Array; rejected: Int32Array },
) => PreferenceLoss;

function trainOnPairs(
  policy: GPT,
  pairs: readonly PreferencePair[],
  cfg: StageConfig & { batchPairs: number },
  padId: number,
  pairLoss: PairLoss,
  onStep?: StepLog,
): void {
  const trainer = new PolicyTrainer(policy, cfg.lr);
  const rng = new Rng(cfg.seed);
  for (let step = 0; step < cfg.steps; step++) {
    const idx = Array.from({ length: cfg.batchPairs }, () => rng.int(pairs.length));
    const batch = pairBatch(
      idx.map((i) => pairs[i]),
      padId,
    );
    const P = idx.length;
    const { loss, metrics } = trainer.step(batch, (logp) => {
      const seq = sequenceLogProbs(logp, batch.targets, batch.B, batch.T);
      const len = completionLengths(batch.targets, batch.B, batch.T);
      const r = pairLoss(
        idx,
        { chosen: seq.subarray(0, P), rejected: seq.subarray(P) },
        { chosen: len.subarray(0, P), rejected: len.subarray(P) },
      );
      return { loss: r.loss, dLogp: spread([...r.dChosen, ...r.dRejected], batch), metrics: r.metrics };
    });
    onStep?.(step, loss, metrics);
  }
}

export function trainDpo(
  policy: GPT,
  reference: GPT,
  pairs: readonly PreferencePair[],
  cfg: StageConfig & { beta: number; batchPairs: number },
  padId: number,
  onStep?: StepLog,
): void {
  // the reference never changes: its log-probs are computed once, before the first step
  const prompts = pairs.map((p) => p.prompt);
  const refChosen = answerLogProbs(
    reference,
    prompts,
    pairs.map((p) => p.chosen),
    padId,
  );
  const refRejected = answerLogProbs(
    reference,
    prompts,
    pairs.map((p) => p.rejected),
    padId,
  );
  trainOnPairs(
    policy,
    pairs,
    cfg,
    padId,
    (idx, seq) =>
      dpoLoss(
        seq,
        { chosen: idx.map((i) => refChosen[i]), rejected: idx.map((i) => refRejected[i]) },
        cfg.beta,
      ),
    onStep,
  );
}

export function trainOrpo(
  policy: GPT,
  pairs: readonly PreferencePair[],
  cfg: StageConfig & { lambda: number; batchPairs: number },
  padId: number,
  onStep?: StepLog,
): void {
  trainOnPairs(policy, pairs, cfg, padId, (_idx, seq, len) => orpoLoss(seq, len, cfg.lambda), onStep);
}

// Requests drawn for one step, each prompt repeated `copies` times (GRPO's group).
function drawPrompts(
  rng: Rng,
  prompts: readonly { n: number; ids: number[] }[],
  count: number,
  copies: number,
) {
  const out: { n: number; ids: number[] }[] = [];
  for (let i = 0; i < count; i++) {
    const p = prompts[rng.int(prompts.length)];
    for (let g = 0; g < copies; g++) out.push(p);
  }
  return out;
}

// Samples answers from the policy and the judge's reward for each: one rollout.
function rollout(policy: GPT, tok: Tokenizer, drawn: { n: number; ids: number[] }[], seed: number) {
  const answers = sampleAnswers(
    policy,
    drawn.map((d) => d.ids),
    seed,
  );
  const scores = answers.map((a, i) => judgeReward(drawn[i].n, answerText(tok, a)));
  const batch = packBatch(
    drawn.map((d, i) => ({ prompt: d.ids, completion: answers[i] })),
    tok.eosId,
  );
  return { batch, scores: Float64Array.from(scores) };
}

export function trainGrpo(
  policy: GPT,
  reference: GPT,
  tok: Tokenizer,
  requests: readonly { n: number; messages: Message[] }[],
  cfg: StageConfig & { group: number; promptsPerStep: number; beta: number; clipEps: number },
  onStep?: StepLog,
): void {
  const prompts = requests.map((r) => ({ n: r.n, ids: promptIds(tok, r.messages) }));
  const trainer = new PolicyTrainer(policy, cfg.lr);
  const rng = new Rng(cfg.seed);
  for (let step = 0; step < cfg.steps; step++) {
    const drawn = drawPrompts(rng, prompts, cfg.promptsPerStep, cfg.group);
    const { batch, scores } = rollout(policy, tok, drawn, cfg.seed * 1000 + step);
    const adv = groupAdvantages(scores, cfg.group);
    const logpRef = batchLogProbs(reference, batch);
    const { loss, metrics } = trainer.step(batch, (logp) => {
      // one update per rollout: the sampling policy is the one being trained, so ρ = 1
      const r = grpoLoss(logp, logp, logpRef, adv, batch.targets, batch.B, batch.T, cfg.clipEps, cfg.beta);
      return { loss: r.loss, dLogp: r.dLogp, metrics: { reward: mean(scores), kl: r.meanKl } };
    });
    onStep?.(step, loss, metrics);
  }
}

const mean = (x: ArrayLike<number>) => Array.from(x).reduce((a, b) => a + b, 0) / x.length;

// PPO's value head on the policy's final hidden states: V_t = h_t·w + b, h = ln_f(x) [N, C].
export interface ValueHead {
  w: Float64Array; // [C]
  b: Float64Array; // [1]
}

function headValues(head: ValueHead, lnf: ArrayLike<number>, N: number, C: number): Float64Array {
  const v = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let s = head.b[0];
    for (let i = 0; i < C; i++) s += lnf[n * C + i] * head.w[i];
    v[n] = s;
  }
  return v;
}

export function trainPpo(
  policy: GPT,
  reference: GPT,
  tok: Tokenizer,
  requests: readonly { n: number; messages: Message[] }[],
  cfg: StageConfig & {
    promptsPerStep: number;
    klCoef: number;
    clipEps: number;
    gamma: number;
    lambda: number;
    epochs: number;
    valueCoef: number;
  },
  onStep?: StepLog,
  // the score PPO maximises: the judge's reward by default, or a learned reward model's
  // (InstructGPT's setting, where reward hacking can appear)
  scorer?: (batch: SeqBatch) => ArrayLike<number>,
): void {
  const C = policy.config.n_embd;
  const prompts = requests.map((r) => ({ n: r.n, ids: promptIds(tok, r.messages) }));
  const trainer = new PolicyTrainer(policy, cfg.lr);
  const head: ValueHead = { w: new Float64Array(C), b: new Float64Array(1) };
  const headParams = new Float64Array(C + 1);
  const headOpt = new AdamW(C + 1, new Uint8Array(C + 1), { weightDecay: 0 });
  const rng = new Rng(cfg.seed);
  for (let step = 0; step < cfg.steps; step++) {
    const drawn = drawPrompts(rng, prompts, cfg.promptsPerStep, 1);
    const rolled = rollout(policy, tok, drawn, cfg.seed * 1000 + step);
    const { batch } = rolled;
    const scores = scorer ? Float64Array.from(scorer(batch)) : rolled.scores;
    const { B, T, targets } = batch;
    const N = B * T;
    // the rollout's own numbers, before any update: log π_old, V_old, log π_ref
    const old = forward(policy, batch.ids, B, T);
    const logpOld = tokenLogProbs(old.logits, targets, policy.config.vocab_size);
    const valuesOld = headValues(head, old.lnf, N, C);
    const logpRef = batchLogProbs(reference, batch);
    const rewards = klPenalizedRewards(scores, logpOld, logpRef, targets, B, T, cfg.klCoef);
    const { advantages, returns } = gae(rewards, valuesOld, targets, B, T, cfg.gamma, cfg.lambda);
    const adv = whiten(advantages, targets);
    let last = { loss: 0, metrics: {} as Record<string, number> };
    for (let epoch = 0; epoch < cfg.epochs; epoch++)
      last = trainer.step(batch, (logp, acts) => {
        const pol = clippedPolicyLoss(logp, logpOld, adv, targets, B, T, cfg.clipEps);
        const values = headValues(head, acts.lnf, N, C);
        const val = clippedValueLoss(values, valuesOld, returns, targets, B, T, cfg.clipEps);
        // the value loss reaches the body through h (dlnf) and the head through w, b
        const dlnf = new Float64Array(N * C);
        const dHead = new Float64Array(C + 1);
        for (let n = 0; n < N; n++) {
          const g = cfg.valueCoef * val.dValues[n];
          if (g === 0) continue;
          for (let i = 0; i < C; i++) {
            dlnf[n * C + i] = g * head.w[i];
            dHead[i] += g * acts.lnf[n * C + i];
          }
          dHead[C] += g;
        }
        headParams.set(head.w);
        headParams[C] = head.b[0];
        headOpt.step(headParams, dHead, cfg.lr * 10);
        head.w.set(headParams.subarray(0, C));
        head.b[0] = headParams[C];
        return {
          loss: pol.loss + cfg.valueCoef * val.loss,
          dLogp: pol.dLogp,
          dlnf: policy.params.flat instanceof Float64Array ? dlnf : Float32Array.from(dlnf),
          metrics: {
            reward: mean(scores),
            clipFraction: pol.clipFraction,
            approxKl: pol.approxKl,
            valueLoss: val.loss,
          },
        };
      });
    onStep?.(step, last.loss, last.metrics);
  }
}
