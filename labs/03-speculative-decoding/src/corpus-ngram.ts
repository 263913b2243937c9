// Drafting with an n-gram model of the training corpus: the cheapest "draft
// model" there is. A count table is a language model too, just one whose cost
// per token is a hash lookup (c ≈ 0 in the speedup formula); retrieval drafters
// (REST: Retrieval-Based Speculative Decoding, He et al. 2023) grow this idea
// into a datastore of continuations.
//
// Build once: for every context of n = 1 … maxN tokens in the corpus, remember
// the token that most often followed it. Draft: back off from the longest
// context of the sequence's tail that the table knows, take its most frequent
// next token, append it and repeat γ times. A drafting step costs a few map
// lookups, so its cost ratio to a target forward, c, is close to 0.
//
// Like prompt lookup (prompt-lookup.ts) the proposal is deterministic, so q is
// one-hot at x: the verifier accepts x with probability p(x), and at
// temperature 0 the output stays the target's greedy output.

import type { Rng, SampleOptions } from "@llm-labs/tensor";
import { oneHotProposal, type Drafter, type Proposal } from "./drafters.ts";

const key = (ctx: readonly number[]) => ctx.join(",");

export class CorpusNgramDrafter implements Drafter {
  readonly forwards = 0;
  private readonly next: Map<string, number>[]; // next[n]: context of n tokens → most frequent next token

  constructor(
    readonly vocabSize: number,
    corpus: readonly number[],
    readonly maxN = 4,
  ) {
    if (!(Number.isInteger(maxN) && maxN >= 1))
      throw new Error(`CorpusNgramDrafter: maxN must be an integer ≥ 1, got ${maxN}`);
    this.next = [new Map()];
    for (let n = 1; n <= maxN; n++) {
      const counts = new Map<string, Map<number, number>>();
      for (let i = n; i < corpus.length; i++) {
        const k = key(corpus.slice(i - n, i));
        let m = counts.get(k);
        if (!m) counts.set(k, (m = new Map()));
        m.set(corpus[i], (m.get(corpus[i]) ?? 0) + 1);
      }
      const best = new Map<string, number>();
      for (const [k, m] of counts) {
        let arg = -1;
        let top = 0;
        for (const [t, c] of m) if (c > top || (c === top && t < arg)) [arg, top] = [t, c];
        best.set(k, arg);
      }
      this.next.push(best);
    }
  }

  // The most frequent continuation of the longest known suffix of ctx, or -1.
  lookup(ctx: readonly number[]): number {
    for (let n = Math.min(this.maxN, ctx.length); n >= 1; n--) {
      const x = this.next[n].get(key(ctx.slice(ctx.length - n)));
      if (x !== undefined) return x;
    }
    return -1;
  }

  propose(seq: readonly number[], gamma: number, _opts: SampleOptions, _rng: Rng): Proposal {
    const ctx = seq.slice(Math.max(0, seq.length - this.maxN));
    const tokens: number[] = [];
    for (let i = 0; i < gamma; i++) {
      const x = this.lookup(ctx);
      if (x < 0) break;
      tokens.push(x);
      ctx.push(x);
    }
    return oneHotProposal(tokens, this.vocabSize);
  }

  rollback(_length: number): void {} // nothing cached
}
