// The specimen's forward pass with every linear layer handed to a function of
// ours, so that activations can be quantized too (W8A8, SmoothQuant, LLM.int8()):
// weight-only schemes change W and can reuse the specimen's forward
// (mapLinears), but activation quantization has to happen at run time, on the
// x that actually reaches each layer. Everything else (embeddings, LayerNorm,
// attention, GELU, the tied head) is the specimen's own code.

import { forwardWithLinears, linearForward, type GPT } from "@llm-labs/model";

// y[T, N] = x[T, K] · W[K, N] + b, for the layer "layer.name" (e.g. "0.c_fc").
export type LinearFn = (
  key: string,
  x: Float32Array,
  T: number,
  K: number,
  N: number,
  w: Float32Array,
  b: Float32Array,
) => Float32Array;

export const floatLinear: LinearFn = (_key, x, T, K, N, w, b) => {
  const y = new Float32Array(T * N);
  linearForward(y, x, w, b, T, K, N);
  return y;
};

// Logits [T, V] for one sequence of T ids: the model package's forward with
// its linears handed to us, named "layer.name" as the quantizers key them.
export function forwardWith(model: GPT, ids: ArrayLike<number>, linear: LinearFn): Float32Array {
  return forwardWithLinears(model, ids, 1, ids.length, (l, name, x, T, K, N, W) =>
    linear(`${l}.${name}`, x, T, K, N, W.weight as Float32Array, W.bias as Float32Array),
  );
}

// Mean cross-entropy of logits [T, V] against the next tokens targets[0 … T-1].
export function meanNll(
  logits: Float32Array,
  targets: ArrayLike<number>,
  V: number,
): { sum: number; count: number } {
  let sum = 0;
  for (let t = 0; t < targets.length; t++) {
    const o = t * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[o + v] - max);
    sum += max + Math.log(z) - logits[o + targets[t]];
  }
  return { sum, count: targets.length };
}

// Perplexity over non-overlapping windows, exactly as the specimen's heldoutLoss cuts them.
export function perplexityWith(model: GPT, tokens: ArrayLike<number>, linear: LinearFn): number {
  const W = model.config.n_positions;
  let sum = 0;
  let count = 0;
  for (let start = 0; start + 1 < tokens.length; start += W) {
    const T = Math.min(W, tokens.length - 1 - start);
    const ids = Array.from({ length: T }, (_, i) => tokens[start + i]);
    const r = meanNll(
      forwardWith(model, ids, linear),
      Array.from({ length: T }, (_, i) => tokens[start + i + 1]),
      model.config.vocab_size,
    );
    sum += r.sum;
    count += r.count;
  }
  return Math.exp(sum / count);
}
