import { Rng } from "@llm-labs/tensor";
import { checkpointDir, loadCheckpoint, type GPT } from "@llm-labs/model";

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function randomArray(n: number, seed: number, std = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

export function randomInts(n: number, seed: number, lo: number, hi: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(rng.next() * (hi - lo + 1)));
}

let target: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));
