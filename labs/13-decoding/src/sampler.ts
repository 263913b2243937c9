// A generation config, validated, and the next token it picks.
//
// The processors run in Hugging Face's order: first the ones that change what is
// allowed (penalties, bans, lengths), then the warpers that reshape the
// distribution (temperature, then top-k, top-p, min-p, typical-p), then one draw.
// With do_sample false the draw is the argmax, and the warpers are skipped: they
// never change which token is largest.
//
// The maximum length is a stopping criterion, as in transformers (MaxLengthCriteria):
// `generate` stops after max_new_tokens new tokens, whatever they are. Forcing the
// end token at the last position is a processor transformers adds only when
// `forced_eos_token_id` is set (ForcedEOSTokenLogitsProcessor), and so do we.

import { describeZodError, UserError } from "@llm-labs/kit";
import { argmax, type Rng } from "@llm-labs/tensor";
import { z } from "zod";
import { badWords, forcedEosAtMaxLength, minNewTokens, noRepeatNgram } from "./bans.ts";
import { frequencyPresencePenalty, repetitionPenalty } from "./penalties.ts";
import { softmax64, temperature } from "./temperature.ts";
import { minP, topK, topP, typicalP } from "./truncation.ts";

export const SamplingConfig = z
  .object({
    do_sample: z.boolean().default(true),
    temperature: z.number().positive().default(1),
    top_k: z.number().int().nonnegative().default(0), // 0 = off (transformers' default is 50)
    top_p: z.number().gt(0).lte(1).default(1),
    min_p: z.number().gte(0).lte(1).default(0),
    typical_p: z.number().gt(0).lte(1).default(1),
    repetition_penalty: z.number().positive().default(1),
    frequency_penalty: z.number().default(0),
    presence_penalty: z.number().default(0),
    no_repeat_ngram_size: z.number().int().nonnegative().default(0),
    bad_words_ids: z.array(z.array(z.number().int().nonnegative()).min(1)).default([]),
    min_new_tokens: z.number().int().nonnegative().default(0),
    max_new_tokens: z.number().int().positive().default(32),
    // off unless set: then the last of the max_new_tokens positions can only be this token
    forced_eos_token_id: z
      .union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative()).min(1)])
      .optional(),
  })
  .strict();
export type SamplingConfig = z.infer<typeof SamplingConfig>;

export function parseSamplingConfig(input: unknown, where = "sampling config"): SamplingConfig {
  const r = SamplingConfig.safeParse(input);
  if (!r.success) throw new UserError(`${where}: ${describeZodError(r.error)}`);
  return r.data;
}

// The logits after every processor of `c`, for a sequence `ids` whose first
// `promptLength` tokens are the prompt.
export function processLogits(
  logits: Float32Array,
  ids: readonly number[],
  promptLength: number,
  c: SamplingConfig,
  eos: readonly number[],
): Float32Array {
  let x = logits;
  if (c.repetition_penalty !== 1) x = repetitionPenalty(x, ids, c.repetition_penalty);
  if (c.frequency_penalty !== 0 || c.presence_penalty !== 0)
    x = frequencyPresencePenalty(x, ids.slice(promptLength), c.frequency_penalty, c.presence_penalty);
  if (c.no_repeat_ngram_size > 0) x = noRepeatNgram(x, ids, c.no_repeat_ngram_size);
  if (c.bad_words_ids.length > 0) x = badWords(x, ids, c.bad_words_ids);
  if (c.min_new_tokens > 0) x = minNewTokens(x, ids.length, promptLength, c.min_new_tokens, eos);
  if (c.forced_eos_token_id !== undefined)
    x = forcedEosAtMaxLength(x, ids.length, promptLength + c.max_new_tokens, [c.forced_eos_token_id].flat());
  if (!c.do_sample) return x;
  if (c.temperature !== 1) x = temperature(x, c.temperature);
  if (c.top_k > 0) x = topK(x, c.top_k);
  if (c.top_p < 1) x = topP(x, c.top_p);
  if (c.min_p > 0) x = minP(x, c.min_p);
  if (c.typical_p < 1) x = typicalP(x, c.typical_p);
  return x;
}

// One draw from softmax(x) by the inverse CDF: the first token whose running
// probability exceeds u ~ U[0, 1). Greedy: the argmax, and the rng is not used.
export function pick(x: Float32Array, c: Pick<SamplingConfig, "do_sample">, rng: Rng): number {
  if (!c.do_sample) return argmax(x);
  const p = softmax64(x);
  const u = rng.next();
  let run = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    run += p[i];
    last = i;
    if (u < run) return i;
  }
  return last;
}

// The loop: process, pick, append, until an end token (not included in `ids`) or
// max_new_tokens new tokens. `feed` appends tokens to the model's sequence and
// returns the logits after the last of them (SpecimenLM.feed does, with its cache).
export function generate(
  feed: (ids: readonly number[]) => Float32Array,
  prompt: readonly number[],
  c: SamplingConfig,
  eos: readonly number[],
  rng: Rng,
): { ids: number[]; stopped: "eos" | "length" } {
  const seq = [...prompt];
  let logits = feed(prompt);
  for (let i = 0; i < c.max_new_tokens; i++) {
    const next = pick(processLogits(logits, seq, prompt.length, c, eos), c, rng);
    if (eos.includes(next)) return { ids: seq.slice(prompt.length), stopped: "eos" };
    seq.push(next);
    if (i + 1 < c.max_new_tokens) logits = feed([next]);
  }
  return { ids: seq.slice(prompt.length), stopped: "length" };
}
