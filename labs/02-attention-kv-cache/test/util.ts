import { Rng, randn } from "@llm-labs/tensor";
import { checkpointDir, loadCheckpoint, type GPT } from "@llm-labs/model";

export { maxAbsDiff } from "@llm-labs/tensor";

// A seeded normal vector, std `std`: tensor's randn as a flat array.
export const randomArray = (n: number, seed: number, std = 1): Float32Array =>
  randn(new Rng(seed), [n], std).data;

let target: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));

// A fixed prompt of real token ids: the byte-level tokens of a short English
// sentence (ids 0..255 are the raw bytes in this vocabulary), so no tokenizer is needed.
export const PROMPT = Array.from(Buffer.from("Once upon a time, there was a brave panda named"));
