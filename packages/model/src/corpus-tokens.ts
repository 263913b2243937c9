// A slice of the specimen's corpus as token ids: the generator of corpus.ts at
// a split's seed, tokenized with the checkpoint's own tokenizer.json. Labs
// score perplexity on the held-out split and calibrate on the train split, so
// calibration text is never the text that is scored. A few thousand tokens are
// enough to see a change and keep a demo fast (scoring the target costs about
// 1 ms per token on a laptop CPU).

import { checkpointDir } from "./checkpoints.ts";
import { HELDOUT_SEED, TRAIN_SEED, generateCorpus } from "./corpus.ts";
import { loadTransformersTokenizer } from "./transformers-runner.ts";

export async function corpusTokens(seed: number, maxTokens: number): Promise<number[]> {
  const tok = await loadTransformersTokenizer(checkpointDir("target"));
  const text = generateCorpus(seed, Math.ceil(maxTokens * 3.5)); // ≈ 2.6 characters per token
  const ids = tok.encode(text, { add_special_tokens: false }) as number[];
  if (ids.length < maxTokens) throw new Error(`corpusTokens: only ${ids.length} tokens, wanted ${maxTokens}`);
  return ids.slice(0, maxTokens);
}

export const heldoutTokens = (maxTokens: number): Promise<number[]> => corpusTokens(HELDOUT_SEED, maxTokens);
export const trainTokens = (maxTokens: number): Promise<number[]> => corpusTokens(TRAIN_SEED, maxTokens);
