// The log-likelihood of a continuation: the one number multiple choice is made of.
//
// lm-evaluation-harness's `loglikelihood` request: given a context c and a
// continuation y = y_1 … y_m (tokens), score
//
//   log p(y | c) = Σ_{j=1..m} log p(y_j | c, y_<j)
//
// from ONE forward pass over the tokens c ‖ y: the logits at position t predict the
// token at t + 1, so with n = |c| context tokens the continuation's tokens sit at
// positions n … n+m−1 and are read off the rows n−1 … n+m−2. The last row predicts
// what would follow y and is not used. The harness also reports is_greedy: whether
// every y_j is the argmax of its row, i.e. whether greedy decoding would have
// written exactly y (LAMBADA's accuracy).

import { argmaxAt, logProbAt } from "./log-prob.ts";

export interface Loglikelihood {
  logprob: number; // log p(y | c), nats
  isGreedy: boolean;
  tokens: number; // m, the continuation's length in tokens
}

// logits [L, V] of the row `tokens` (L tokens: the context's contextLength, then the
// continuation's); contextLength ≥ 1 (the first continuation token needs a row before it).
export function continuationLoglikelihood(
  logits: Float32Array,
  tokens: readonly number[],
  contextLength: number,
  V: number,
): Loglikelihood {
  const L = tokens.length;
  if (logits.length !== L * V)
    throw new Error(`continuationLoglikelihood: logits hold ${logits.length} values, L × V is ${L * V}`);
  if (contextLength < 1 || contextLength >= L)
    throw new Error(
      `continuationLoglikelihood: the context has ${contextLength} of the ${L} tokens; it needs 1 … ${L - 1}`,
    );
  // #region exercise continuation-loglik
  let logprob = 0;
  let isGreedy = true;
  for (let t = contextLength - 1; t < L - 1; t++) {
    const next = tokens[t + 1];
    logprob += logProbAt(logits, t, V, next);
    if (argmaxAt(logits, t, V) !== next) isGreedy = false;
  }
  return { logprob, isGreedy, tokens: L - contextLength };
  // #endregion
}
