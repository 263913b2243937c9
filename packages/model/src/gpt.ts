// The GPT-2 specimen: a config and its parameters, and the forward pass that
// keeps every intermediate for training.
//
// The block loop itself is forward.ts, shared by every forward of the course;
// `forward` here is that loop writing into `Activations`, because the backward
// pass (backward.ts) reads them. Generation with a KV cache is the same loop with
// a cache (generate.ts). One block alone is gptBlockForward (forward.ts) and its
// backward gptBlockBackward (backward.ts): what activation recomputation (lab 08) calls.

import type { GPTConfig } from "./config.ts";
import { type Activations, allocActivations, forwardPass } from "./forward.ts";
import { initParams, viewParams, type Params } from "./params.ts";

export interface GPT {
  config: GPTConfig;
  params: Params;
}

export function createGPT(config: GPTConfig, seed: number, dtype: "float32" | "float64" = "float32"): GPT {
  return { config, params: initParams(config, seed, dtype) };
}

// ids: B·T token ids, row-major [B, T]. Reuses `acts` when given (training does, every step).
export function forward(
  model: GPT,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  acts?: Activations,
): Activations {
  const dtype = model.params.flat instanceof Float64Array ? "float64" : "float32";
  const a = acts && acts.B === B && acts.T === T ? acts : allocActivations(model.config, B, T, dtype);
  forwardPass(model, ids, B, T, { acts: a });
  return a;
}

// Logits [B, T, V] for a batch of equal-length sequences, no cache.
export function logits(model: GPT, batch: number[][]): Float32Array {
  const B = batch.length;
  const T = batch[0]?.length ?? 0;
  if (B === 0 || T === 0) throw new Error("logits: needs at least one non-empty sequence");
  if (batch.some((s) => s.length !== T))
    throw new Error(
      `logits: all sequences must have the same length (${T}); got ${batch.map((s) => s.length).join(", ")}`,
    );
  return Float32Array.from(forwardPass(model, batch.flat(), B, T));
}

// A copy that shares no memory with the original (a model to fine-tune while the original
// stays the frozen base or reference), in the original's precision.
export function copyModel(model: GPT): GPT {
  const flat =
    model.params.flat instanceof Float64Array
      ? Float64Array.from(model.params.flat)
      : Float32Array.from(model.params.flat);
  return { config: model.config, params: viewParams(model.config, flat).params };
}
