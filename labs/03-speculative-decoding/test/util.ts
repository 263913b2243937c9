import { checkpointDir, loadCheckpoint, loadLlamaCheckpoint, type GPT, type Llama } from "@llm-labs/model";

let target: GPT | undefined;
let draft: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));
export const draftModel = (): GPT => (draft ??= loadCheckpoint(checkpointDir("draft")));
// The Llama specimen (8 query heads, 2 KV heads, 512 positions): same tokenizer, another architecture.
let llama: Llama | undefined;
export const llamaModel = (): Llama => (llama ??= loadLlamaCheckpoint(checkpointDir("llama")));

// Real prompts as byte-level token ids (ids 0..255 are the raw bytes in this
// vocabulary), so no tokenizer is needed: English, Chinese, and a repetitive one.
const bytes = (s: string) => Array.from(Buffer.from(s));
export const PROMPTS = [
  bytes("Once upon a time, there was a brave panda named"),
  bytes("从前，有一只勇敢的熊猫"),
  bytes("The little fox found a red ball. The little fox"),
];

// Pearson's chi-square statistic Σ (observed − expected)² / expected.
export function chiSquare(counts: ArrayLike<number>, probs: ArrayLike<number>, n: number): number {
  let x2 = 0;
  for (let i = 0; i < probs.length; i++) {
    const e = probs[i] * n;
    if (e === 0) {
      if (counts[i] !== 0) return Infinity;
      continue;
    }
    x2 += (counts[i] - e) ** 2 / e;
  }
  return x2;
}
