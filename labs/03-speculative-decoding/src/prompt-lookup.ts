// Drafting without a draft model: prompt lookup decoding (Saxena 2023, the
// prompt-lookup-decoding repository; the idea of n-gram drafting in general).
//
// Text repeats itself: names, phrases, code identifiers, and in our corpus the
// Chinese retelling of the English story. So look for the last n tokens of the
// sequence earlier in the sequence; if they occurred before, propose the γ
// tokens that followed them then. Try n = maxN first (a longer match is a better
// bet), down to minN. No match: propose nothing, and the step is an ordinary
// target step.
//
// The proposal is deterministic, so q_i is one-hot at x_i: q(x) = 1 and the
// acceptance test becomes r < p(x). The residual norm(max(0, p − q)) is p with
// x removed. The same verifier, unchanged, keeps the output distributed as p;
// at temperature 0 it keeps the output equal to greedy.

import type { Rng, SampleOptions } from "@llm-labs/tensor";
import { oneHotProposal, type Drafter, type Proposal } from "./drafters.ts";

// The tokens that followed the most recent earlier occurrence of seq's last n-gram.
export function lookupNgram(seq: readonly number[], gamma: number, maxN = 3, minN = 1): number[] {
  // #region exercise ngram-lookup
  for (let n = Math.min(maxN, seq.length - 1); n >= minN; n--) {
    const pat = seq.length - n;
    for (let s = seq.length - n - 1; s >= 0; s--) {
      let same = true;
      for (let j = 0; j < n && same; j++) same = seq[s + j] === seq[pat + j];
      if (same) return seq.slice(s + n, s + n + gamma);
    }
  }
  return [];
  // #endregion
}

export class PromptLookupDrafter implements Drafter {
  forwards = 0;
  constructor(
    readonly vocabSize: number,
    readonly maxN = 3,
    readonly minN = 1,
  ) {}

  propose(seq: readonly number[], gamma: number, _opts: SampleOptions, _rng: Rng): Proposal {
    const tokens = lookupNgram(seq, gamma, this.maxN, this.minN);
    return oneHotProposal(tokens, this.vocabSize);
  }

  rollback(_length: number): void {} // nothing cached
}
