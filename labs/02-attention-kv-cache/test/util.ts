import { Rng } from "@llm-labs/tensor";
import { checkpointDir, loadCheckpoint, type GPT } from "@llm-labs/model";

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function randomArray(n: number, seed: number, std = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

let target: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));

// A fixed prompt of real token ids: the byte-level tokens of a short English
// sentence (ids 0..255 are the raw bytes in this vocabulary), so no tokenizer is needed.
export const PROMPT = Array.from(Buffer.from("Once upon a time, there was a brave panda named"));
