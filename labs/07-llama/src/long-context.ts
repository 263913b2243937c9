// Longer context: run the Llama specimen (trained on windows of 512) on windows of 1024 and
// 2048, with RoPE as trained or stretched, and see where the loss breaks.
//
// A Llama has no position table: positions enter only as rotations of q and k (RoPE), so any
// length runs. Whether it runs *well* depends on the angles p·θ_i the attention meets: past the
// trained context L the slow pairs turn to angles never seen in training. The remedies change
// the θ_i (packages/model/src/rope-scaling.ts computes each one, as Hugging Face does):
//
//   none    θ_i = b^(−2i/d)                       positions past L extrapolate
//   PI      θ'_i = θ_i / s                        (Chen et al. 2023) positions squeezed p → p/s
//   NTK     b' = b · s^(d/(d−2))                  (bloc97 2023) raise the base: fast pairs keep
//                                                 their resolution, the slowest one is divided by s
//   dynamic b' = b · (s·T/L − (s−1))^(d/(d−2))    (HF "dynamic") the same, grown with the length T
//   YaRN    ramp between keep and θ_i/s, and q·k tempered by (0.1·ln s + 1)²   (Peng et al. 2023)
//
// s = factor = new context / trained context.

import { forwardPass, type Llama, type RopeScaling, parseLlamaConfig } from "@llm-labs/model";

// The specimen's max_position_embeddings: the window it was trained on.
export const TRAINED_CONTEXT = 512;

export type Method = "none" | "PI" | "NTK" | "dynamic NTK" | "YaRN";
export const METHODS: readonly Method[] = ["none", "PI", "NTK", "dynamic NTK", "YaRN"];

// The same weights with a new rope_scaling block (and rope_theta, for the fixed NTK base).
// The config goes through the package's schema, so a misspelt field fails here, not in RoPE.
export function withRopeScaling(model: Llama, scaling: RopeScaling | null, ropeTheta?: number): Llama {
  const config = parseLlamaConfig(
    { ...model.config, rope_scaling: scaling, rope_theta: ropeTheta ?? model.config.rope_theta },
    "withRopeScaling",
  );
  return { config, params: model.params };
}

// NTK-aware base: b' = b · s^(d/(d−2)). The slowest pair, θ_{d/2−1} = b'^(−(d−2)/d), becomes
// b^(−(d−2)/d) / s: exactly interpolated; pair 0 (θ = 1) is untouched.
export function ntkBase(base: number, s: number, d: number): number {
  return base * s ** (d / (d - 2));
}

// The specimen set up for one method at stretch factor s (s = window / trained context L).
export function stretched(model: Llama, method: Method, s: number): Llama {
  const L = model.config.max_position_embeddings;
  switch (method) {
    case "none":
      return withRopeScaling(model, null);
    case "PI":
      return withRopeScaling(model, { rope_type: "linear", factor: s });
    case "NTK":
      return withRopeScaling(model, null, ntkBase(model.config.rope_theta, s, model.config.head_dim));
    case "dynamic NTK":
      return withRopeScaling(model, { rope_type: "dynamic", factor: s, original_max_position_embeddings: L });
    case "YaRN":
      return withRopeScaling(model, { rope_type: "yarn", factor: s, original_max_position_embeddings: L });
  }
}

// −log softmax(logits)[y] for one row of V logits.
function tokenLoss(logits: ArrayLike<number>, offset: number, V: number, y: number): number {
  let max = -Number.POSITIVE_INFINITY;
  for (let v = 0; v < V; v++) if (logits[offset + v] > max) max = logits[offset + v];
  let z = 0;
  for (let v = 0; v < V; v++) z += Math.exp(logits[offset + v] - max);
  return max + Math.log(z) - logits[offset + y];
}

// Loss at each position of a window of T tokens, averaged over the non-overlapping windows
// that fit in `tokens` (each needs T + 1 tokens: T inputs, the next token of each as target).
// Returns [T]: loss[t] = mean over windows of −log p(x_{t+1} | x_0 … x_t).
export function windowLoss(
  model: Llama,
  tokens: ArrayLike<number>,
  T: number,
  maxWindows = Infinity,
): Float64Array {
  const V = model.config.vocab_size;
  const loss = new Float64Array(T);
  let windows = 0;
  for (let start = 0; start + T + 1 <= tokens.length && windows < maxWindows; start += T) {
    const ids = Array.from({ length: T }, (_, i) => tokens[start + i]);
    const logits = forwardPass(model, ids, 1, T); // [T, V]
    for (let t = 0; t < T; t++) loss[t] += tokenLoss(logits, t * V, V, tokens[start + t + 1]);
    windows++;
  }
  if (windows === 0) throw new Error(`windowLoss: ${tokens.length} tokens hold no window of ${T} + 1`);
  for (let t = 0; t < T; t++) loss[t] /= windows;
  return loss;
}

// Mean of loss over positions [from, to): the loss of one range of positions.
export function bucketLoss(loss: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let t = from; t < to; t++) sum += loss[t];
  return sum / (to - from);
}

// Mean loss in consecutive buckets of `width` positions: [T / width].
export function positionBuckets(loss: ArrayLike<number>, width: number): number[] {
  const out: number[] = [];
  for (let from = 0; from + width <= loss.length; from += width)
    out.push(bucketLoss(loss, from, from + width));
  return out;
}

export const perplexity = (loss: ArrayLike<number>): number => Math.exp(bucketLoss(loss, 0, loss.length));
