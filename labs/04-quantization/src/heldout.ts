// Real token streams from the specimen's corpus generator, tokenized with the
// checkpoint's own tokenizer.json: the held-out split (seed 2) to score
// perplexity on, and the train split (seed 1) to calibrate GPTQ on, so the
// calibration text is never the text we score. A slice of a few thousand
// tokens keeps the demo fast (heldoutLoss on the target costs about 1 ms per token).

import { checkpointDir, generateCorpus, HELDOUT_SEED, loadTransformersTokenizer, TRAIN_SEED } from "@llm-labs/model";

async function corpusTokens(seed: number, maxTokens: number): Promise<number[]> {
  const tok = await loadTransformersTokenizer(checkpointDir("target"));
  const text = generateCorpus(seed, Math.ceil(maxTokens * 3.5)); // ≈ 2.6 characters per token
  const ids = tok.encode(text, { add_special_tokens: false }) as number[];
  if (ids.length < maxTokens) throw new Error(`corpusTokens: only ${ids.length} tokens, wanted ${maxTokens}`);
  return ids.slice(0, maxTokens);
}

export const heldoutTokens = (maxTokens: number): Promise<number[]> => corpusTokens(HELDOUT_SEED, maxTokens);
export const calibrationTokens = (maxTokens: number): Promise<number[]> => corpusTokens(TRAIN_SEED, maxTokens);
