// Target-only greedy decoding through the SAME CachedLM the speculative loop
// uses (lab 02's TypeScript forward or ONNX Runtime), so a timing comparison
// measures the algorithm, not two implementations of the model.

import { argmax } from "@llm-labs/tensor";
import { contextLength, isEos, type CachedLM } from "./lm.ts";

export async function targetOnlyGreedy(
  model: CachedLM,
  prompt: readonly number[],
  maxNewTokens: number,
): Promise<number[]> {
  const c = model.config;
  const V = c.vocab_size;
  const maxNew = Math.min(maxNewTokens, contextLength(c) - prompt.length);
  model.rollback(0);
  let row = (await model.forward(prompt)).subarray((prompt.length - 1) * V);
  const out: number[] = [];
  while (out.length < maxNew) {
    const next = argmax(row);
    out.push(next);
    if (isEos(c, next) || out.length === maxNew) break;
    row = await model.forward([next]);
  }
  return out;
}
