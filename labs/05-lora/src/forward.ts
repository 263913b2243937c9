// The specimen's forward pass with the linear layer left open: `linear` is
// called for every (layer, linear) and must write Y[N, OUT] = f(X[N, IN]).
// It is @llm-labs/model's forwardWithLinears, whose every other step is the
// specimen's own (with a plain linear the logits are identical, bit for bit),
// so an unmerged LoRA or a per-request mix of adapters runs through exactly
// the specimen's math.

import { forwardWithLinears, type GPT } from "@llm-labs/model";
import type { Target } from "./adapter.ts";

export type LinearFn = (
  layer: number,
  target: Target,
  Y: Float32Array,
  X: Float32Array,
  N: number,
  IN: number,
  OUT: number,
) => void;

// Logits [B·T, V] for ids [B, T].
export function forwardWith(
  model: GPT,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  linear: LinearFn,
): Float32Array {
  return forwardWithLinears(model, ids, B, T, (l, name, X, N, IN, OUT) => {
    const Y = new Float32Array(N * OUT);
    linear(l, name, Y, X, N, IN, OUT);
    return Y;
  });
}
