// A slice of the specimen's held-out split (corpus seed 2, the same generator
// packages/model scores its perplexity on), tokenized with the checkpoint's own
// tokenizer.json. The first `maxTokens` tokens are enough to see a perplexity change
// and keep the demo fast (heldoutLoss on the target costs about 1 ms per token here).

import { checkpointDir, generateCorpus, HELDOUT_SEED, loadTransformersTokenizer } from "@llm-labs/model";

export async function heldoutTokens(maxTokens: number): Promise<number[]> {
  const tok = await loadTransformersTokenizer(checkpointDir("target"));
  const text = generateCorpus(HELDOUT_SEED, Math.ceil(maxTokens * 3.5)); // ≈ 2.6 characters per token
  const ids = tok.encode(text, { add_special_tokens: false }) as number[];
  if (ids.length < maxTokens) throw new Error(`heldoutTokens: only ${ids.length} tokens, wanted ${maxTokens}`);
  return ids.slice(0, maxTokens);
}
