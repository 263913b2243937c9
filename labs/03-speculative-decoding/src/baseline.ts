// Target-only greedy decoding with the SAME forward pass speculative decoding
// uses (lab 02's forwardWithCache), so a timing comparison measures the
// algorithm, not two different implementations of attention.

import type { GPT } from "@llm-labs/model";
import { argmax } from "@llm-labs/tensor";
import { KVCache, forwardWithCache } from "@llm-labs/lab-attention-kv-cache";

export function targetOnlyGreedy(model: GPT, prompt: readonly number[], maxNewTokens: number): number[] {
  const c = model.config, V = c.vocab_size;
  const maxNew = Math.min(maxNewTokens, c.n_positions - prompt.length);
  const cache = KVCache.for(c);
  let logits = forwardWithCache(model, prompt, cache);
  let row = logits.subarray((prompt.length - 1) * V);
  const out: number[] = [];
  while (out.length < maxNew) {
    const next = argmax(row);
    out.push(next);
    if (next === c.eos_token_id || out.length === maxNew) break;
    row = logits = forwardWithCache(model, [next], cache);
  }
  return out;
}
