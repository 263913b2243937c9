// A language model with a KV cache, whichever engine runs it.
//
// Speculative decoding needs four things from a model, draft or target:
//
//   forward(tokens)   run the new tokens after everything cached; return one row
//                     of logits per token ([tokens.length, V]) and cache their keys/values
//   length            how many positions the cache holds
//   rollback(L)       forget every position after the first L (the rejected drafts)
//
// TsLM runs lab 02's forward pass in TypeScript; OrtLM (ort-lm.ts) runs the
// exported checkpoint in ONNX Runtime. The decoding loop, the drafter and the
// verifier do not know which one they talk to. `forward` is async because ONNX
// Runtime's `run` is; for the TypeScript model that costs one microtask per call.

import type { AnySpecimen, GPTConfig, LlamaConfig } from "@llm-labs/model";
import { KVCache, forwardWithCache } from "@llm-labs/lab-attention-kv-cache";

// Either of the course's architectures: a GPT-2 (the draft, the target) or the Llama.
export type LMConfig = GPTConfig | LlamaConfig;

// The longest sequence the model takes: n_positions for a GPT-2, max_position_embeddings for a Llama.
export function contextLength(c: LMConfig): number {
  return c.model_type === "llama" ? c.max_position_embeddings : c.n_positions;
}

// Whether `id` ends generation (a Llama's config may list several eos ids).
export function isEos(c: LMConfig, id: number): boolean {
  return Array.isArray(c.eos_token_id) ? c.eos_token_id.includes(id) : c.eos_token_id === id;
}

export interface CachedLM {
  readonly config: LMConfig;
  readonly length: number;
  calls: number; // forward calls so far, for the statistics
  forward(tokens: readonly number[]): Promise<Float32Array>;
  rollback(length: number): void;
}

// The course's own forward pass with lab 02's contiguous cache (for the Llama it
// holds the 2 KV heads, and lab 02's attention maps each query head to its group).
export class TsLM implements CachedLM {
  readonly cache: KVCache;
  calls = 0;
  constructor(readonly model: AnySpecimen) {
    this.cache = KVCache.for(model.config);
  }
  get config(): LMConfig {
    return this.model.config;
  }
  get length(): number {
    return this.cache.length;
  }

  async forward(tokens: readonly number[]): Promise<Float32Array> {
    this.calls++;
    return forwardWithCache(this.model, tokens, this.cache);
  }

  // The cache is one [H, capacity, d] buffer per layer: rolling back is moving
  // `length`. The stale rows stay in memory, are never attended to, and the next
  // append overwrites them.
  rollback(length: number): void {
    this.cache.length = Math.min(this.cache.length, length);
  }
}
