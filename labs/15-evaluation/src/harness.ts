// A multiple-choice task, run the way lm-evaluation-harness runs one.
//
//   for every question: render it with a template (and k dev examples),
//                       one loglikelihood request per option: (context, continuation)
//   score: ℓ_i → acc, acc_norm (multiple-choice.ts); the softmax of ℓ over the options
//          → the confidence calibration.ts bins
//   aggregate: the mean of each metric and its standard error (bootstrap.ts)
//
// The harness truncates a request that is longer than the model's context from the
// LEFT (the oldest context tokens go); so do we. A 2-shot prompt in letters format
// does not fit the GPT-2s' 128 tokens, and loses the start of its first example.

import { Rng } from "@llm-labs/tensor";
import { gold, type McItem } from "./benchmark.ts";
import { continuationLoglikelihood } from "./continuation.ts";
import { encodePair, type SpecimenLM, type Tokenizer } from "./lm.ts";
import { softmax64 } from "./log-prob.ts";
import { scoreChoices } from "./multiple-choice.ts";
import type { Template } from "./templates.ts";

export interface ItemResult {
  id: string;
  subject: string;
  variant: McItem["variant"];
  lls: number[]; // ℓ_i per option
  isGreedy: boolean[];
  gold: number;
  pred: number;
  acc: number;
  accNorm: number;
  confidence: number; // softmax(ℓ)[pred]
  truncated: boolean;
}

// The few-shot examples of an item: k dev questions of its subject, drawn with the
// harness's fixed seed (1234) so that every model sees the same prompts.
export function fewShot(item: McItem, dev: readonly McItem[], k: number, rng: Rng): McItem[] {
  if (k === 0) return [];
  const pool = dev.filter((d) => d.subject === item.subject && d.id !== item.id);
  return rng.shuffle([...pool]).slice(0, k);
}

export function evaluateItem(
  lm: SpecimenLM,
  tok: Tokenizer,
  item: McItem,
  t: Template,
  shots: McItem[],
): ItemResult {
  const r = t.render(item, shots);
  let truncated = false;
  const requests = r.continuations.map((c) => {
    const { tokens, contextLength } = encodePair(tok, r.context, c);
    const drop = Math.max(0, tokens.length - lm.maxLength);
    if (drop > 0) truncated = true;
    return { tokens: tokens.slice(drop), contextLength: contextLength - drop };
  });
  const logits = lm.logitsMany(requests.map((q) => q.tokens));
  const ll = requests.map((q, i) =>
    continuationLoglikelihood(logits[i], q.tokens, q.contextLength, lm.vocabSize),
  );
  const lls = ll.map((x) => x.logprob);
  const s = scoreChoices(lls, r.choices, gold(item));
  return {
    id: item.id,
    subject: item.subject,
    variant: item.variant,
    lls,
    isGreedy: ll.map((x) => x.isGreedy),
    gold: gold(item),
    pred: s.pred,
    acc: s.acc,
    accNorm: s.accNorm,
    confidence: softmax64(lls)[s.pred],
    truncated,
  };
}

export function evaluateTask(
  lm: SpecimenLM,
  tok: Tokenizer,
  items: readonly McItem[],
  t: Template,
  dev: readonly McItem[] = [],
): ItemResult[] {
  const rng = new Rng(1234);
  return items.map((item) => evaluateItem(lm, tok, item, t, fewShot(item, dev, t.shots, rng)));
}
