// The specimen's forward pass with its four linear layers handed to the caller.
//
// Some ideas change only what a linear layer computes: quantizing the
// activations that reach it (lab 04's W8A8), adding a LoRA update next to the
// frozen W₀ (lab 05), a different adapter per request (multi-LoRA). Everything
// else is forward.ts's loop, in the same order: with a hook that does y = x·W + b
// the logits are bit for bit those of `forward` (packages/model's tests).

import { forwardPass, type LinearHook, type Specimen } from "./forward.ts";

// Logits [B·T, V] for ids [B, T], row-major.
export function forwardWithLinears(
  model: Specimen,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  linear: LinearHook,
): Float32Array {
  return forwardPass(model, ids, B, T, { linear }) as Float32Array;
}
