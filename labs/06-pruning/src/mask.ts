// A mask says which weights survive: keep[i] = 1 keeps W[i], 0 prunes it (sets it to 0).
// Every pruning method in this lab only differs in how it fills the mask; applying
// it, checking a sparsity and measuring one are the same for all of them.

import { UserError } from "@llm-labs/kit";

export type Mask = Uint8Array;

// Sparsity p is the fraction of weights removed. p = 1 would delete the layer, so
// the range is [0, 1); NaN and ±Infinity are refused with the caller's name.
export function checkSparsity(p: number, where: string): void {
  if (!Number.isFinite(p) || p < 0 || p >= 1)
    throw new UserError(`${where}: sparsity must be a number in [0, 1), got ${p}`);
}

// How many of n weights a sparsity p removes: floor(p·n), with a hair of slack so
// that 0.29 · 100 (= 28.999999999999996 in floating point) still gives 29.
export function pruneCount(p: number, n: number): number {
  return Math.min(n, Math.floor(p * n + 1e-9));
}

export function applyMask(w: ArrayLike<number>, keep: Mask): Float32Array {
  if (w.length !== keep.length)
    throw new Error(`applyMask: ${w.length} weights but a mask of ${keep.length}`);
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = keep[i] ? w[i] : 0;
  return out;
}

// The fraction of exact zeros.
export function sparsityOf(w: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < w.length; i++) if (w[i] === 0) z++;
  return z / w.length;
}
