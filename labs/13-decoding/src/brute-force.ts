// Every output a model can give within maxNewTokens, scored as beam search scores
// its hypotheses: finished ones (ending with eos) at any length, and unfinished
// ones at exactly the maximum length. Vᴸ of them, so only for toy vocabularies.

import type { Hypothesis } from "./beam-search.ts";
import { logSoftmax64, type NextLogits } from "./toy-model.ts";

export function allOutputs(
  model: NextLogits,
  prompt: readonly number[],
  eos: number,
  maxNewTokens: number,
  lengthPenalty = 1,
): Hypothesis[] {
  const out: Hypothesis[] = [];
  const grow = (tokens: number[], sum: number) => {
    if (tokens.length === maxNewTokens) {
      out.push({ tokens, sumLogProbs: sum, score: sum / tokens.length ** lengthPenalty });
      return;
    }
    const lp = logSoftmax64(model([...prompt, ...tokens]));
    lp.forEach((l, t) => {
      const next = [...tokens, t];
      if (t === eos)
        out.push({ tokens: next, sumLogProbs: sum + l, score: (sum + l) / next.length ** lengthPenalty });
      else grow(next, sum + l);
    });
  };
  grow([], 0);
  return out.sort((a, b) => b.score - a.score);
}
