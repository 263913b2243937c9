// The specimens as the harness sees a model: a tokenizer and "logits for these token rows".
//
// lm-evaluation-harness asks a model for two things (its LM interface): the
// log-likelihood of a continuation after a context (multiple choice, perplexity)
// and a greedy generation until a stop string (exact match, IFEval). Both come down
// to a forward pass; this file runs it on any course model (a GPT-2, a Llama, an
// INT4 or pruned copy: they are all weights for the one forwardPass).
//
// The four options of a question share the question: their token rows start the
// same. logitsMany runs that shared prefix once, keeps its keys and values in a KV
// cache, and runs each option's own tokens from a copy of the cache. Causal
// attention makes this exact: position t sees only tokens ≤ t, so the prefix's
// logits do not depend on what follows it.

import {
  type AnySpecimen,
  checkpointDir,
  forwardPass,
  generate,
  isLlama,
  KVCache,
  loadTransformersTokenizer,
} from "@llm-labs/model";

export interface Tokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

// The course's byte-level BPE (every specimen shares it), through transformers.js.
export async function specimenTokenizer(): Promise<Tokenizer> {
  const tok = await loadTransformersTokenizer(checkpointDir("target"));
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }) as number[],
    decode: (ids) => tok.decode(ids, { skip_special_tokens: false }),
  };
}

// lm-evaluation-harness's _encode_pair: spaces that end the context move to the
// continuation ("named" + " Lily", never "named " + "Lily"), then the whole string is
// encoded once and the context's tokens are cut off its front, so that the
// continuation is tokenized as it would be in running text.
export function encodePair(
  tok: Tokenizer,
  context: string,
  continuation: string,
): { tokens: number[]; contextLength: number } {
  const trimmed = context.replace(/\s+$/, "");
  const moved = context.slice(trimmed.length);
  const whole = tok.encode(trimmed + moved + continuation);
  const contextLength = tok.encode(trimmed).length;
  return { tokens: whole, contextLength };
}

export const contextOf = (model: AnySpecimen): number =>
  isLlama(model) ? model.config.max_position_embeddings : model.config.n_positions;

function cloneCache(src: KVCache): KVCache {
  const c = new KVCache(src.layers, src.heads, src.d, src.capacity, src.batch);
  for (let l = 0; l < src.layers; l++) {
    c.keys[l].set(src.keys[l]);
    c.values[l].set(src.values[l]);
  }
  c.length = src.length;
  return c;
}

export class SpecimenLM {
  readonly vocabSize: number;
  readonly maxLength: number;
  constructor(
    readonly name: string,
    readonly model: AnySpecimen,
  ) {
    this.vocabSize = model.config.vocab_size;
    this.maxLength = contextOf(model);
  }

  // logits [T, V] of one row of T tokens.
  logits(ids: number[]): Float32Array {
    const out = forwardPass(this.model, ids, 1, ids.length);
    return out instanceof Float32Array ? out : Float32Array.from(out);
  }

  // logits [L_i, V] of every row; the rows' common prefix is run once.
  logitsMany(rows: number[][]): Float32Array[] {
    const V = this.vocabSize;
    for (const r of rows)
      if (r.length === 0 || r.length > this.maxLength)
        throw new Error(`logitsMany: a row of ${r.length} tokens; this model reads 1 to ${this.maxLength}`);
    // the common prefix, leaving every row at least one token of its own
    let P = Math.min(...rows.map((r) => r.length - 1));
    for (let t = 0; t < P; t++) if (rows.some((r) => r[t] !== rows[0][t])) P = t;
    if (rows.length === 1 || P === 0) return rows.map((r) => this.logits(r));
    const cache = KVCache.for(this.model.config, 1, Math.max(...rows.map((r) => r.length)));
    const head = forwardPass(this.model, rows[0].slice(0, P), 1, P, { cache }); // [P, V]
    return rows.map((r) => {
      const tail = forwardPass(this.model, r.slice(P), 1, r.length - P, { cache: cloneCache(cache) });
      const out = new Float32Array(r.length * V);
      out.set(head);
      out.set(tail, P * V);
      return out;
    });
  }

  // Greedy continuation of `prompt`, at most maxNew tokens (fewer at the end of the context).
  greedy(prompt: number[], maxNew: number): number[] {
    const room = this.maxLength - prompt.length;
    return generate(this.model, prompt, { maxNewTokens: Math.max(0, Math.min(maxNew, room)) });
  }
}
