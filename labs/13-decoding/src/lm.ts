// The specimen as a next-token function with a KV cache: prefill once, then one
// forward pass per call, each over one token or (after a jump-forward) several.

import { type AnySpecimen, checkpointDir, forwardPass, KVCache, loadCheckpoint } from "@llm-labs/model";

// What the generation loop needs of a model: SpecimenLM, or a table in a test.
export interface IncrementalLM {
  readonly calls: number; // forward passes so far
  readonly context: number; // positions it can hold
  readonly length: number; // positions it holds now
  reset(): void;
  feed(ids: readonly number[]): Float32Array; // append ids; the logits after the last: [V]
}

export class SpecimenLM implements IncrementalLM {
  private cache: KVCache;
  calls = 0; // forward passes so far
  readonly vocabSize: number;
  readonly context: number;

  constructor(readonly model: AnySpecimen) {
    const c = model.config;
    this.vocabSize = c.vocab_size;
    this.context = c.model_type === "llama" ? c.max_position_embeddings : c.n_positions;
    this.cache = KVCache.for(c, 1, this.context);
  }

  static target(): SpecimenLM {
    return new SpecimenLM(loadCheckpoint(checkpointDir("target")));
  }

  get length(): number {
    return this.cache.length;
  }

  // Forget everything: the next `feed` starts a new sequence.
  reset(): void {
    this.cache = KVCache.for(this.model.config, 1, this.context);
  }

  // Append `ids` to the sequence; the logits after the last of them: [V].
  feed(ids: readonly number[]): Float32Array {
    const V = this.vocabSize;
    const logits = forwardPass(this.model, ids, 1, ids.length, { cache: this.cache });
    this.calls++;
    return Float32Array.from(logits.subarray((ids.length - 1) * V, ids.length * V));
  }
}
