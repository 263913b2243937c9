// The specimen's forward pass with every linear layer handed to a hook of ours
// (@llm-labs/model's forwardWithLinears and LinearHook), so that activations can
// be quantized too (W8A8, SmoothQuant, LLM.int8()): weight-only schemes change W
// and reuse the specimen's forward (mapLinears), but activation quantization has
// to happen at run time, on the x that actually reaches each layer. Everything
// else (embeddings, LayerNorm, attention, GELU, the tied head) is the specimen's own code.

import { forwardWithLinears, linearForward, type GPT, type LinearHook } from "@llm-labs/model";

// y[rows, N] = x[rows, K] · W[K, N] + b: the specimen's own linear, as a hook.
export const floatLinear: LinearHook = (_layer, _name, x, rows, K, N, W) => {
  const y = new Float32Array(rows * N);
  linearForward(y, x, W.weight, W.bias, rows, K, N);
  return y;
};

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
export function perplexityWith(model: GPT, tokens: ArrayLike<number>, linear: LinearHook): number {
  const W = model.config.n_positions;
  let sum = 0;
  let count = 0;
  for (let start = 0; start + 1 < tokens.length; start += W) {
    const T = Math.min(W, tokens.length - 1 - start);
    const ids = Array.from({ length: T }, (_, i) => tokens[start + i]);
    const r = meanNll(
      forwardWithLinears(model, ids, 1, T, linear),
      Array.from({ length: T }, (_, i) => tokens[start + i + 1]),
      model.config.vocab_size,
    );
    sum += r.sum;
    count += r.count;
  }
  return Math.exp(sum / count);
}
