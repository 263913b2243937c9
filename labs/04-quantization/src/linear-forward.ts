// The specimen's forward pass with every linear layer handed to a function of
// ours, so that activations can be quantized too (W8A8, SmoothQuant, LLM.int8()):
// weight-only schemes change W and can reuse the specimen's forward
// (mapLinears), but activation quantization has to happen at run time, on the
// x that actually reaches each layer. Everything else (embeddings, LayerNorm,
// attention, GELU, the tied head) is the specimen's own code.

import { attentionForward, encoderForward, geluForward, layerNormForward, linearForward, residualForward, type GPT } from "@llm-labs/model";
import { matmulTransBInto } from "@llm-labs/tensor";

// y[T, N] = x[T, K] · W[K, N] + b, for the layer "layer.name" (e.g. "0.c_fc").
export type LinearFn = (key: string, x: Float32Array, T: number, K: number, N: number, w: Float32Array, b: Float32Array) => Float32Array;

export const floatLinear: LinearFn = (_key, x, T, K, N, w, b) => {
  const y = new Float32Array(T * N);
  linearForward(y, x, w, b, T, K, N);
  return y;
};

// Logits [T, V] for one sequence of T ids.
export function forwardWith(model: GPT, ids: ArrayLike<number>, linear: LinearFn): Float32Array {
  const c = model.config, p = model.params;
  const C = c.n_embd, T = ids.length, V = c.vocab_size, H = c.n_head, eps = c.layer_norm_epsilon;
  const F = (n: number) => new Float32Array(n);
  let x = F(T * C);
  encoderForward(x, ids, p.wte, p.wpe, 1, T, C, V);
  const ln = F(T * C), mean = F(T), rstd = F(T), att = F(H * T * T), atty = F(T * C), gelu = F(T * 4 * C);
  for (let l = 0; l < c.n_layer; l++) {
    const w = p.h[l]!;
    const lin = (name: string, input: Float32Array, K: number, N: number, W: { weight: ArrayLike<number>; bias: ArrayLike<number> }) =>
      linear(`${l}.${name}`, input, T, K, N, W.weight as Float32Array, W.bias as Float32Array);
    layerNormForward(ln, mean, rstd, x, w.ln_1.weight, w.ln_1.bias, T, C, eps);
    const qkv = lin("c_attn", ln, C, 3 * C, w.c_attn);
    attentionForward(atty, att, qkv, 1, T, C, H);
    const res = F(T * C);
    residualForward(res, x, lin("attn_c_proj", atty, C, C, w.attn_c_proj), T * C);
    layerNormForward(ln, mean, rstd, res, w.ln_2.weight, w.ln_2.bias, T, C, eps);
    geluForward(gelu, lin("c_fc", ln, C, 4 * C, w.c_fc), T * 4 * C);
    const next = F(T * C);
    residualForward(next, res, lin("mlp_c_proj", gelu, 4 * C, C, w.mlp_c_proj), T * C);
    x = next;
  }
  layerNormForward(ln, mean, rstd, x, p.ln_f.weight, p.ln_f.bias, T, C, eps);
  const logits = F(T * V);
  matmulTransBInto(logits, ln, p.wte, T, C, V);
  return logits;
}

// Mean cross-entropy of logits [T, V] against the next tokens targets[0 … T-1].
export function meanNll(logits: Float32Array, targets: ArrayLike<number>, V: number): { sum: number; count: number } {
  let sum = 0;
  for (let t = 0; t < targets.length; t++) {
    const o = t * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]!);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[o + v]! - max);
    sum += max + Math.log(z) - logits[o + targets[t]!]!;
  }
  return { sum, count: targets.length };
}

// Perplexity over non-overlapping windows, exactly as the specimen's heldoutLoss cuts them.
export function perplexityWith(model: GPT, tokens: ArrayLike<number>, linear: LinearFn): number {
  const W = model.config.n_positions;
  let sum = 0, count = 0;
  for (let start = 0; start + 1 < tokens.length; start += W) {
    const T = Math.min(W, tokens.length - 1 - start);
    const ids = Array.from({ length: T }, (_, i) => tokens[start + i]!);
    const r = meanNll(forwardWith(model, ids, linear), Array.from({ length: T }, (_, i) => tokens[start + i + 1]!), model.config.vocab_size);
    sum += r.sum;
    count += r.count;
  }
  return Math.exp(sum / count);
}
