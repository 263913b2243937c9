import { Rng, randn } from "@llm-labs/tensor";
import { checkpointDir, loadCheckpoint, loadLlamaCheckpoint, type GPT, type Llama } from "@llm-labs/model";

export { maxAbsDiff } from "@llm-labs/tensor";

// A seeded normal vector, std `std`: tensor's randn as a flat array.
export const randomArray = (n: number, seed: number, std = 1): Float32Array =>
  randn(new Rng(seed), [n], std).data;

let target: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));

// A fixed prompt of real token ids: the byte-level tokens of a short English
// sentence (ids 0..255 are the raw bytes in this vocabulary), so no tokenizer is needed.
export const PROMPT = Array.from(Buffer.from("Once upon a time, there was a brave panda named"));

// The course's Llama specimen: 4 layers, 8 query heads sharing 2 KV heads (GQA), head_dim 16.
let llama: Llama | undefined;
export const llamaModel = (): Llama => (llama ??= loadLlamaCheckpoint(checkpointDir("llama")));
