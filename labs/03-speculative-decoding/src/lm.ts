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

import type { GPT, GPTConfig } from "@llm-labs/model";
import { KVCache, forwardWithCache } from "@llm-labs/lab-attention-kv-cache";

export interface CachedLM {
  readonly config: GPTConfig;
  readonly length: number;
  calls: number; // forward calls so far, for the statistics
  forward(tokens: readonly number[]): Promise<Float32Array>;
  rollback(length: number): void;
}

// The course's own forward pass with lab 02's contiguous cache.
export class TsLM implements CachedLM {
  readonly cache: KVCache;
  calls = 0;
  constructor(readonly model: GPT) {
    this.cache = KVCache.for(model.config);
  }
  get config(): GPTConfig {
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
