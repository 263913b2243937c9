// The specimen's forward pass with its four linear layers handed to the caller.
//
// Some ideas change only what a linear layer computes: quantizing the
// activations that reach it (lab 04's W8A8), adding a LoRA update next to the
// frozen W₀ (lab 05), a different adapter per request (multi-LoRA). Everything
// else, embeddings, LayerNorm, attention, GELU, the residuals and the tied head,
// stays exactly gpt.ts's `forward`, in the same order: with a hook that does
// y = x·W + b the logits are bit for bit the same (packages/model's tests).

import type { GPT } from "./gpt.ts";
import {
  attentionForward,
  encoderForward,
  geluForward,
  layerNormForward,
  residualForward,
} from "./layers.ts";
import type { Linear } from "./params.ts";
import { matmulTransBInto } from "@llm-labs/tensor";

export const LINEAR_NAMES = ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

// y[rows, N] for x[rows, K] at layer `layer`'s linear `name`, whose own weights
// are W (weight [K, N], bias [N]); the hook may use them or not.
export type LinearHook = (
  layer: number,
  name: LinearName,
  x: Float32Array,
  rows: number,
  K: number,
  N: number,
  W: Linear,
) => Float32Array;

// Logits [B·T, V] for ids [B, T], row-major.
export function forwardWithLinears(
  model: GPT,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  linear: LinearHook,
): Float32Array {
  const c = model.config;
  const p = model.params;
  const C = c.n_embd;
  const N = B * T;
  const V = c.vocab_size;
  const H = c.n_head;
  const eps = c.layer_norm_epsilon;
  if (ids.length !== N)
    throw new Error(`forwardWithLinears: expected B·T = ${B}·${T} = ${N} token ids, got ${ids.length}`);
  if (T > c.n_positions)
    throw new Error(`forwardWithLinears: sequence length ${T} is longer than n_positions (${c.n_positions})`);
  const F = (n: number) => new Float32Array(n);
  let x = F(N * C);
  encoderForward(x, ids, p.wte, p.wpe, B, T, C, V);
  const ln = F(N * C);
  const mean = F(N);
  const rstd = F(N);
  const att = F(B * H * T * T);
  const atty = F(N * C);
  const gelu = F(N * 4 * C);
  for (let l = 0; l < c.n_layer; l++) {
    const w = p.h[l];
    layerNormForward(ln, mean, rstd, x, w.ln_1.weight, w.ln_1.bias, N, C, eps);
    const qkv = linear(l, "c_attn", ln, N, C, 3 * C, w.c_attn);
    attentionForward(atty, att, qkv, B, T, C, H);
    const res = F(N * C);
    residualForward(res, x, linear(l, "attn_c_proj", atty, N, C, C, w.attn_c_proj), N * C);
    layerNormForward(ln, mean, rstd, res, w.ln_2.weight, w.ln_2.bias, N, C, eps);
    geluForward(gelu, linear(l, "c_fc", ln, N, C, 4 * C, w.c_fc), N * 4 * C);
    const next = F(N * C);
    residualForward(next, res, linear(l, "mlp_c_proj", gelu, N, 4 * C, C, w.mlp_c_proj), N * C);
    x = next;
  }
  layerNormForward(ln, mean, rstd, x, p.ln_f.weight, p.ln_f.bias, N, C, eps);
  const logits = F(N * V);
  matmulTransBInto(logits, ln, p.wte, N, C, V);
  return logits;
}
