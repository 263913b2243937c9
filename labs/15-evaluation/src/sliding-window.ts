// Perplexity of a fixed-length model over a long text: non-overlapping windows or a sliding one.
//
// A model with a context of W tokens cannot condition on a whole document. The
// Hugging Face note "Perplexity of fixed-length models" compares two ways to score
// N tokens anyway:
//
//   non-overlapping  cut the text into windows of W and score each on its own: the
//                    first token of a window sees nothing before it, the last sees
//                    W − 1 tokens; on average a token sees about W/2 (pessimistic)
//   sliding, stride s  move the window by s < W tokens and score only the tokens no
//                    earlier window scored: after the first window every token sees
//                    at least W − s tokens of context, at N/s forward passes
//
// Both score every token x_1 … x_{N−1} exactly once (x_0 has nothing to be predicted
// from), so they are the same sum, over the same tokens, with more or less context:
//
//   NLL = − Σ_{p=1..N−1} log p(x_p | x_{max(b_p, 0) … p−1})      b_p: where p's window starts
//   perplexity = exp(NLL / (N − 1))
//
// Here a window starting at b reads the inputs x_b … x_{e−1} (e = min(b + W, N − 1)) and
// predicts x_{b+1} … x_e, so a stride of W (non-overlapping) loses no token between
// windows. Smaller strides cost more forward passes (N/s of them) and can only
// lower the loss: more context never hurts a model trained on long enough windows.

import { logProbAt } from "./log-prob.ts";

export type LogitsFn = (ids: number[]) => Float32Array; // [T, V] for T token ids

export interface WindowedNll {
  nll: number; // Σ −log p, nats
  count: number; // tokens scored: N − 1
  windows: number; // forward passes
  forwardTokens: number; // tokens pushed through the model, Σ window lengths
}

export function slidingWindowNll(
  logits: LogitsFn,
  tokens: readonly number[],
  V: number,
  window: number,
  stride: number,
): WindowedNll {
  const N = tokens.length;
  if (N < 2) throw new Error(`slidingWindowNll: ${N} tokens; perplexity needs at least 2`);
  if (!Number.isInteger(window) || window < 1) throw new Error(`slidingWindowNll: window ${window}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > window)
    throw new Error(`slidingWindowNll: the stride must be 1 … the window (${window}), got ${stride}`);
  // #region exercise sliding-window
  let nll = 0;
  let count = 0;
  let windows = 0;
  let forwardTokens = 0;
  let scoredUpTo = 0; // every target at a position ≤ this is scored already
  for (let begin = 0; scoredUpTo < N - 1; begin += stride) {
    const end = Math.min(begin + window, N - 1);
    const ids = tokens.slice(begin, end);
    const rows = logits(ids);
    windows++;
    forwardTokens += ids.length;
    for (let p = Math.max(scoredUpTo + 1, begin + 1); p <= end; p++) {
      nll -= logProbAt(rows, p - 1 - begin, V, tokens[p]);
      count++;
    }
    scoredUpTo = end;
  }
  return { nll, count, windows, forwardTokens };
  // #endregion
}

// Loss (nats per token) and perplexity of a windowed score.
export const lossOf = (w: WindowedNll): number => w.nll / w.count;
export const perplexityOf = (w: WindowedNll): number => Math.exp(w.nll / w.count);
