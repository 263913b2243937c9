// Beam search with Hugging Face's semantics: transformers' `_beam_search` as
// rewritten in 2025 (PR #35802, which replaced the BeamSearchScorer class).
//
// Keep B partial sequences ("beams"). Each step scores every one-token extension
// of every beam by its summed log-probability,
//
//   s(y_1 … y_t) = Σ_{i ≤ t} log p(y_i | prompt, y_<i)
//
// takes the 2B best over all B·V extensions, and walks them in order: an
// extension that ends with the end-of-sequence token becomes a finished
// hypothesis (only if it ranks among the first B, else it is dropped), every
// other one becomes a beam of the next step, until B beams are found. 2B
// candidates are enough: at most B of them can be finished.
//
// Finished hypotheses are ranked by the length-normalised score
//
//   score = s / L^α          L = generated tokens (the end token included), α = length_penalty
//
// α > 0 favours longer outputs (s is negative), α < 0 shorter ones. (Older
// transformers releases counted the prompt in L as well, so their scores differ.)
// Only the best B are kept. The search stops when B are kept and, by early_stopping:
//
//   true     at once
//   false    when the best live beam after this step, s_best / L_now^α, cannot beat
//            the worst kept one (transformers' _check_early_stop_heuristic)
//   "never"  the same bound with α > 0 at the longest possible L (max length), so
//            that no continuation could beat it either
//
// "Best live beam" is the best of the B beams kept for the next step, as in
// transformers now; the old BeamSearchScorer took the best of all 2B candidates,
// an end-of-sequence one included, and so stopped later. At the maximum length
// the step's first B candidates, finished or not, become hypotheses. Beams start
// as B copies of the prompt with scores 0, −1e9, −1e9, … so the first step expands
// only one of them (the others' extensions sink to the bottom), as in transformers.
//
// transformers.js v4 has no beam search: its `generate` reads num_beams, but the
// loop keeps the first candidate of each step ("TODO: Support beam search" in
// models/modeling_utils.js), so it returns the greedy output.

import { UserError } from "@llm-labs/kit";
import { logSoftmax64, type NextLogits } from "./toy-model.ts";

export interface BeamOptions {
  numBeams: number;
  maxNewTokens: number;
  eos: number;
  lengthPenalty?: number; // α, default 1
  earlyStopping?: boolean | "never"; // default false
  numReturnSequences?: number; // default 1
}

export interface Beam {
  tokens: number[]; // the generated tokens so far (no prompt)
  score: number; // s: summed log-probability
}

export interface Hypothesis {
  tokens: number[]; // generated tokens, ending with eos when finished
  sumLogProbs: number;
  score: number; // s / L^α
}

// The B best finished hypotheses, and transformers' stopping rule.
export class BeamHypotheses {
  readonly kept: Hypothesis[] = [];
  worstScore = 1e9;
  offered = 0; // calls to add, kept or not

  constructor(
    readonly numBeams: number,
    readonly lengthPenalty: number,
    readonly earlyStopping: boolean | "never",
    readonly maxNewTokens: number,
  ) {}

  add(tokens: number[], sumLogProbs: number): void {
    this.offered++;
    const score = sumLogProbs / tokens.length ** this.lengthPenalty;
    if (this.kept.length < this.numBeams || score > this.worstScore) {
      this.kept.push({ tokens, sumLogProbs, score });
      if (this.kept.length > this.numBeams) {
        const sorted = this.kept.map((h, i) => [h.score, i] as const).sort((a, b) => a[0] - b[0]);
        this.kept.splice(sorted[0][1], 1);
        this.worstScore = sorted[1][0];
      } else this.worstScore = Math.min(score, this.worstScore);
    }
  }

  // bestLive: the summed log-prob of the best beam kept for the next step;
  // newLength: tokens generated after this step.
  isDone(bestLive: number, newLength: number): boolean {
    if (this.kept.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const L = this.earlyStopping === "never" && this.lengthPenalty > 0 ? this.maxNewTokens : newLength;
    return this.worstScore >= bestLive / L ** this.lengthPenalty;
  }
}

// One step: the beams and, per beam, its log-probabilities of the next token [V].
// Returns the next beams, best first; finished ones go into `hyps`.
export function beamStep(beams: Beam[], logProbs: Float64Array[], eos: number, hyps: BeamHypotheses): Beam[] {
  const B = beams.length;
  const V = logProbs[0].length;
  const next: Beam[] = [];
  // #region exercise beam-step
  const candidates: { beam: number; token: number; score: number }[] = [];
  for (let b = 0; b < B; b++)
    for (let t = 0; t < V; t++)
      candidates.push({ beam: b, token: t, score: beams[b].score + logProbs[b][t] });
  candidates.sort((x, y) => y.score - x.score || x.beam * V + x.token - (y.beam * V + y.token));
  const top = candidates.slice(0, 2 * B);
  for (let rank = 0; rank < top.length && next.length < B; rank++) {
    const c = top[rank];
    const tokens = [...beams[c.beam].tokens, c.token];
    if (c.token === eos) {
      if (rank < B) hyps.add(tokens, c.score);
    } else next.push({ tokens, score: c.score });
  }
  // #endregion
  return next;
}

export function beamSearch(model: NextLogits, prompt: readonly number[], o: BeamOptions): Hypothesis[] {
  const { numBeams: B, maxNewTokens, eos } = o;
  const numReturn = o.numReturnSequences ?? 1;
  if (!Number.isInteger(B) || B < 1)
    throw new UserError(`beam search: numBeams must be an integer ≥ 1, got ${B}`);
  if (numReturn > B)
    throw new UserError(`beam search: numReturnSequences (${numReturn}) must be ≤ numBeams (${B})`);
  const hyps = new BeamHypotheses(B, o.lengthPenalty ?? 1, o.earlyStopping ?? false, maxNewTokens);
  let beams: Beam[] = Array.from({ length: B }, (_, i) => ({ tokens: [], score: i === 0 ? 0 : -1e9 }));
  for (let t = 0; t < maxNewTokens; t++) {
    const logProbs = beams.map((b) => logSoftmax64(model([...prompt, ...b.tokens])));
    const offered = hyps.offered;
    const next = beamStep(beams, logProbs, eos, hyps);
    if (t === maxNewTokens - 1) {
      // The last step: of the first B candidates, the finished ones are in `hyps`
      // already; the others (the first beams of `next`) end here, at max length.
      for (const b of next.slice(0, B - (hyps.offered - offered))) hyps.add(b.tokens, b.score);
      break;
    }
    beams = next;
    if (hyps.isDone(beams[0].score, t + 1)) break;
  }
  return [...hyps.kept].sort((a, b) => b.score - a.score).slice(0, numReturn);
}
