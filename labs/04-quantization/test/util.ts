import { Rng, randn } from "@llm-labs/tensor";
import { checkpointDir, loadCheckpoint, type GPT } from "@llm-labs/model";

export { maxAbsDiff } from "@llm-labs/tensor";

// A seeded normal vector, std `std`: tensor's randn as a flat array.
export const randomArray = (n: number, seed: number, std = 1): Float32Array =>
  randn(new Rng(seed), [n], std).data;

export function randomInts(n: number, seed: number, lo: number, hi: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(rng.next() * (hi - lo + 1)));
}

let target: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));
