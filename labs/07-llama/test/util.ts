import { checkpointDir, loadLlamaCheckpoint, type Llama } from "@llm-labs/model";
import { Rng, randn } from "@llm-labs/tensor";

export { maxAbsDiff } from "@llm-labs/tensor";

export const randomArray = (n: number, seed: number, std = 1): Float32Array =>
  randn(new Rng(seed), [n], std).data;

let llama: Llama | undefined;
// The course's trained Llama (packages/model/checkpoints/llama): C = 128, 4 layers,
// H = 8 query heads, H_kv = 2 key/value heads, d = 16, I = 384, context 512.
export const llamaSpecimen = (): Llama => (llama ??= loadLlamaCheckpoint(checkpointDir("llama")));

// A fixed prompt of course-tokenizer ids (seeded), the same in every test file.
export const promptIds = (n: number, seed = 1): number[] => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.int(1000));
};
