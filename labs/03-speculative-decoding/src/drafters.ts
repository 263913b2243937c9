// Who proposes the γ tokens. Anything that returns tokens AND the distribution
// each was drawn from (q) can be a drafter: the verifier needs q(x) for p(x)/q(x).
//
//   ModelDrafter: a small model of the same vocabulary (the specimen's `draft`,
//                 2 layers × 64 wide) with its own KV cache, in TypeScript
//                 (TsLM) or in ONNX Runtime (OrtLM).
//   prompt-lookup.ts: no model at all, copy what followed the last n-gram.

import type { Rng, SampleOptions } from "@llm-labs/tensor";
import { sampleFrom, toProbs, type Probs } from "./distributions.ts";
import { contextLength, type CachedLM } from "./lm.ts";

export interface Proposal {
  tokens: number[]; // x_1 … x_k, k ≤ γ (a drafter may propose fewer)
  qs: Probs[]; // q_i, the distribution x_i was drawn from
}

export interface Drafter {
  readonly vocabSize: number;
  readonly forwards: number; // forward passes spent so far (0 for a drafter without a model)
  // seq is the whole committed sequence (prompt + output so far).
  propose(seq: readonly number[], gamma: number, opts: SampleOptions, rng: Rng): Proposal | Promise<Proposal>;
  // Forget everything after the first `length` tokens of seq (its cache rolls back).
  rollback(length: number): void;
}

// A drafter with no distribution of its own (a lookup table, the prompt) proposes
// each token with certainty: q is one-hot at it, so the verifier accepts it with
// probability p(x).
export function oneHotProposal(tokens: number[], vocabSize: number): Proposal {
  const qs = tokens.map((x) => {
    const q = new Float64Array(vocabSize);
    q[x] = 1;
    return q;
  });
  return { tokens, qs };
}

export class ModelDrafter implements Drafter {
  constructor(readonly model: CachedLM) {}
  get vocabSize(): number {
    return this.model.config.vocab_size;
  }
  get forwards(): number {
    return this.model.calls;
  }

  async propose(seq: readonly number[], gamma: number, opts: SampleOptions, rng: Rng): Promise<Proposal> {
    const V = this.vocabSize;
    // A draft with a shorter context than its target (the GPT-2 draft's 128 under the
    // Llama's 512) drafts while seq and x_1 … x_{γ-1} fit in it, then proposes
    // nothing and the target decodes alone.
    const room = contextLength(this.model.config) - seq.length + 1;
    if (room <= 0) return { tokens: [], qs: [] };
    gamma = Math.min(gamma, room);
    // Catch up on every committed token the cache has not seen (after a full
    // acceptance that is two: x_γ, which the draft proposed but never ran, and the bonus).
    const fresh = seq.slice(this.model.length);
    let row = (await this.model.forward(fresh)).subarray((fresh.length - 1) * V);
    const tokens: number[] = [];
    const qs: Probs[] = [];
    for (let i = 0; i < gamma; i++) {
      const q = toProbs(row, opts);
      const x = sampleFrom(q, rng); // x_i ~ q_i
      tokens.push(x);
      qs.push(q);
      if (i === gamma - 1) break; // x_γ's own logits are never needed
      row = await this.model.forward([x]);
    }
    return { tokens, qs };
  }

  rollback(length: number): void {
    this.model.rollback(length);
  }
}
