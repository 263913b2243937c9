// What a contaminated model looks like: a copy that has read the test.
//
// Contamination is rarely this blunt (more often a benchmark's questions sit on
// some web page that was crawled), but the blunt version shows the effect in a
// minute: fine-tune a copy of a specimen on the benchmark's questions with their
// right answers, then evaluate both on those questions AND on fresh questions of
// the same kind (another seed). The copy's gain on the seen questions, minus its
// gain on the fresh ones, is what the contamination is worth; a gain the fresh
// questions do not share is memorised, not learned.
//
// The fine-tune is the course's own training loop (packages/model's train: AdamW,
// warmup and cosine decay), on the questions' text joined by <|endoftext|>.

import { copyModel, END_OF_TEXT, type GPT, train } from "@llm-labs/model";
import { gold, type McItem, options } from "./benchmark.ts";
import type { Tokenizer } from "./lm.ts";

// The text a leaked copy of the benchmark would contain: each question with its answer.
export function answeredText(items: readonly McItem[]): string {
  return items
    .map((i) => `${i.question}${i.lang === "en" ? " " : ""}${options(i)[gold(i)]}`)
    .join(END_OF_TEXT);
}

export function contaminatedCopy(
  model: GPT,
  tok: Tokenizer,
  items: readonly McItem[],
  steps: number,
  seed = 7,
): { model: GPT; losses: number[] } {
  const copy = copyModel(model);
  const tokens = tok.encode(answeredText(items) + END_OF_TEXT);
  const losses = train(copy, tokens, {
    seed,
    batchSize: 8,
    seqLen: 64,
    accum: 1,
    steps,
    maxLr: 2e-3,
    minLr: 2e-4,
    warmup: 5,
    weightDecay: 0,
    gradClip: 1,
  });
  return { model: copy, losses };
}
