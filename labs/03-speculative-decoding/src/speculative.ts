// Speculative decoding with a target model and any drafter.
//
// Invariant between steps: seq = prompt + output so far, and the target's KV cache
// holds every token of seq except the last (whose logits we have not needed yet).
//
//   one step, γ drafts:
//     1. the drafter proposes x_1 … x_γ with their q_1 … q_γ
//     2. ONE target forward over [seq_last, x_1 … x_γ]   → rows p_1 … p_{γ+1}
//        (row i is the target's distribution for the token after x_{i-1})
//     3. verifyDrafts keeps x_1 … x_k and emits one more token y
//     4. roll both caches back to the committed prefix: the cache now holds
//        entries for x_{k+1} … x_γ, which were rejected, so they must go.
//
// The target is any CachedLM (lm.ts): lab 02's TypeScript forward (TsLM) or the
// same checkpoint in ONNX Runtime (OrtLM). Only `forward` and `rollback` differ.

import type { SampleOptions } from "@llm-labs/tensor";
import { Rng } from "@llm-labs/tensor";
import { checkSpecOptions, toProbs, type Probs } from "./distributions.ts";
import { verifyDrafts } from "./verify.ts";
import type { Drafter } from "./drafters.ts";
import { contextLength, isEos, type CachedLM } from "./lm.ts";

export interface SpeculativeOptions extends SampleOptions {
  maxNewTokens: number;
  gamma: number; // draft tokens per step, ≥ 1
  seed?: number; // for r and the draws; ignored when temperature is 0
  stopAtEos?: boolean; // default true, like the specimen's `generate`
}

export interface SpeculativeStats {
  steps: number; // = target forward calls after the prefill
  drafted: number; // tokens proposed
  accepted: number; // drafted tokens kept
  examined: number; // drafted tokens the verifier looked at (accepted + one per rejection)
  emitted: number; // tokens produced by the steps
  draftForwards: number;
}

export interface SpeculativeResult {
  tokens: number[];
  stats: SpeculativeStats;
}

export async function speculativeGenerate(
  target: CachedLM,
  drafter: Drafter,
  prompt: readonly number[],
  opts: SpeculativeOptions,
): Promise<SpeculativeResult> {
  const { maxNewTokens, gamma, temperature = 1, topK, topP, seed = 0, stopAtEos = true } = opts;
  checkSpecOptions(gamma, temperature);
  const c = target.config;
  const V = c.vocab_size;
  if (drafter.vocabSize !== V) {
    throw new Error(
      `speculative decoding: the draft's vocabulary has ${drafter.vocabSize} tokens, the target's ${V}; p(x)/q(x) needs the same tokenizer for both`,
    );
  }
  if (prompt.length === 0) throw new Error("speculative decoding: the prompt needs at least one token");
  const context = contextLength(c); // n_positions, or a Llama's max_position_embeddings
  if (prompt.length > context)
    throw new Error(
      `speculative decoding: the prompt has ${prompt.length} tokens, more than the target's context (${context})`,
    );
  const maxNew = Math.min(maxNewTokens, context - prompt.length); // as `generate` does
  const sampling: SampleOptions = { temperature, topK, topP };
  const rng = new Rng(seed);
  const seq = [...prompt];
  const out: number[] = [];
  const stats: SpeculativeStats = {
    steps: 0,
    drafted: 0,
    accepted: 0,
    examined: 0,
    emitted: 0,
    draftForwards: 0,
  };
  const draftForwards0 = drafter.forwards;
  target.rollback(0); // start from empty caches, so models can be reused across calls
  drafter.rollback(0);
  if (prompt.length > 1) await target.forward(prompt.slice(0, -1)); // prefill all but the last token

  while (out.length < maxNew) {
    // Never draft past the context or past the tokens still wanted (the step emits k + 1).
    const g = Math.min(gamma, maxNew - out.length - 1, context - seq.length);
    const { tokens: drafts, qs } =
      g > 0 ? await drafter.propose(seq, g, sampling, rng) : { tokens: [] as number[], qs: [] as Probs[] };

    // One target forward scores every drafted position at once.
    const fresh = [...seq.slice(target.length), ...drafts];
    const logits = await target.forward(fresh);
    const off = fresh.length - drafts.length - 1; // row of seq's last token
    const ps = Array.from({ length: drafts.length + 1 }, (_, i) =>
      toProbs(logits.subarray((off + i) * V, (off + i + 1) * V), sampling),
    );

    const { accepted, next } = verifyDrafts(ps, qs, drafts, rng);
    const emitted = [...drafts.slice(0, accepted), next];
    stats.steps++;
    stats.drafted += drafts.length;
    stats.accepted += accepted;
    stats.examined += accepted + (accepted < drafts.length ? 1 : 0);

    let stop = false;
    for (const t of emitted) {
      seq.push(t);
      out.push(t);
      stats.emitted++;
      if (stopAtEos && isEos(c, t)) {
        stop = true;
        break;
      }
    }
    if (stop) break;

    // #region exercise cache-rollback
    const keep = seq.length - 1;
    target.rollback(keep);
    drafter.rollback(keep);
    // #endregion
  }
  stats.draftForwards = drafter.forwards - draftForwards0;
  return { tokens: out, stats };
}

// α̂: the fraction of examined drafts that were accepted. Drafts after the first
// rejection were never tested, so they count for neither side.
export function acceptanceRate(s: SpeculativeStats): number {
  return s.examined === 0 ? 0 : s.accepted / s.examined;
}

// Tokens per target call: the number the theory's eq. 1 predicts.
export function tokensPerStep(s: SpeculativeStats): number {
  return s.steps === 0 ? 0 : s.emitted / s.steps;
}
