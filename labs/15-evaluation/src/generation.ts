// Generation tasks: let the model write, then check what it wrote.
//
// lm-evaluation-harness's `generate_until` request: greedy decoding from the context
// until one of the `until` strings appears (or a token budget runs out), the text cut
// before that string. exact_match then compares it with the gold answer, after the
// task's filters (here: surrounding spaces stripped). It is stricter than multiple
// choice: the model must produce the answer, not just prefer it among four.

import { END_OF_TEXT } from "@llm-labs/model";
import type { SpecimenLM, Tokenizer } from "./lm.ts";

// The text before the first stop string (all of it when none occurs).
export function cutAtStop(text: string, until: readonly string[]): string {
  let end = text.length;
  for (const u of until) {
    const i = text.indexOf(u);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}

export function generateUntil(
  lm: SpecimenLM,
  tok: Tokenizer,
  context: string,
  until: readonly string[],
  maxNewTokens: number,
): string {
  const ids = tok.encode(context).slice(-(lm.maxLength - 1));
  const out = lm.greedy(ids, maxNewTokens);
  return cutAtStop(tok.decode(out), [...until, END_OF_TEXT]);
}

export const exactMatch = (prediction: string, goldAnswer: string): number =>
  prediction.trim() === goldAnswer.trim() ? 1 : 0;
