// Greedy generation with our TypeScript forward pass, with or without a KV cache.
//
//   with cache:     prefill the prompt once, then one cached step per new token
//   without cache:  re-run the whole sequence for every new token
//
// Both pick argmax(logits of the last position) each step, stop at eos_token_id
// (if `stopAtEos`) or after maxNewTokens, and must produce the same tokens;
// bench/generate.bench.ts measures what the cache saves.

import { argmax, Rng, sample, type SampleOptions } from "@llm-labs/tensor";
import { type AnySpecimen, forwardPass } from "./forward.ts";
import { KVCache, type KVStore } from "./kv-cache.ts";
import type { Floats } from "./params.ts";

export interface GenerateOptions {
  maxNewTokens: number;
  useCache?: boolean; // default true
  stopAtEos?: boolean; // default true
  sampling?: SampleOptions & { seed: number }; // default: greedy
  onToken?: (id: number) => void; // streaming
  // a cache that already holds positions the prompt comes after (lab 10's learned prefix),
  // with room for the prompt and the new tokens; default: a fresh one
  cache?: KVStore<Floats>;
}

export function generate(model: AnySpecimen, prompt: readonly number[], opts: GenerateOptions): number[] {
  const c = model.config;
  const V = c.vocab_size;
  if (prompt.length === 0) throw new Error("generate: the prompt needs at least one token");
  const [context, field] =
    c.model_type === "llama"
      ? [c.max_position_embeddings, "max_position_embeddings"]
      : [c.n_positions, "n_positions"];
  const past = opts.cache?.length ?? 0;
  if (opts.cache && opts.useCache === false)
    throw new Error("generate: a cache was given with useCache: false");
  const room = context - past - prompt.length;
  if (room < 0)
    throw new Error(
      past === 0
        ? `generate: the prompt has ${prompt.length} tokens, more than ${field} (${context})`
        : `generate: ${past} cached + ${prompt.length} prompt tokens exceed ${field} (${context})`,
    );
  const maxNew = Math.min(opts.maxNewTokens, room);
  const rng = opts.sampling ? new Rng(opts.sampling.seed) : undefined;
  const choose = (last: Float32Array | Float64Array) =>
    rng ? sample(Float32Array.from(last), rng, opts.sampling) : argmax(Float32Array.from(last));
  const eos = ([] as (number | null | undefined)[]).concat(c.eos_token_id); // a Llama may list several
  const out: number[] = [];
  const cache =
    opts.cache ??
    (opts.useCache === false ? undefined : KVCache.for(c, 1, Math.min(context, prompt.length + maxNew)));
  let logits = forwardPass(model, prompt, 1, prompt.length, { cache });
  let T = prompt.length;
  const seq = [...prompt];
  while (out.length < maxNew) {
    const next = choose(logits.subarray((T - 1) * V, T * V));
    out.push(next);
    seq.push(next);
    opts.onToken?.(next);
    if (opts.stopAtEos !== false && eos.includes(next)) break;
    if (out.length === maxNew) break;
    if (cache) {
      logits = forwardPass(model, [next], 1, 1, { cache });
      T = 1;
    } else {
      T = seq.length;
      logits = forwardPass(model, seq, 1, T);
    }
  }
  return out;
}
