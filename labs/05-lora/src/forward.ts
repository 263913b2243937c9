// The specimen's forward pass with the linear layer left open: `linear` is
// called for every (layer, linear) and must write Y[N, OUT] = f(X[N, IN]).
// Same layers, same order as packages/model's gpt.ts (which is the test:
// with a plain linear the logits are identical), so an unmerged LoRA or a
// per-request mix of adapters runs through exactly the specimen's math.

import { attentionForward, encoderForward, geluForward, layerNormForward, residualForward, type GPT } from "@llm-labs/model";
import { matmulTransBInto } from "@llm-labs/tensor";
import type { Target } from "./adapter.ts";

export type LinearFn = (layer: number, target: Target, Y: Float32Array, X: Float32Array, N: number, IN: number, OUT: number) => void;

// Logits [B·T, V] for ids [B, T].
export function forwardWith(model: GPT, ids: ArrayLike<number>, B: number, T: number, linear: LinearFn): Float32Array {
  const c = model.config, p = model.params;
  const C = c.n_embd, N = B * T, V = c.vocab_size, H = c.n_head, eps = c.layer_norm_epsilon;
  if (ids.length !== N) throw new Error(`forwardWith: expected B·T = ${N} ids, got ${ids.length}`);
  const F = (n: number) => new Float32Array(n);
  let x = F(N * C);
  encoderForward(x, ids, p.wte, p.wpe, B, T, C, V);
  const ln = F(N * C), mean = F(N), rstd = F(N), qkv = F(N * 3 * C), att = F(B * H * T * T), atty = F(N * C), proj = F(N * C);
  const fch = F(N * 4 * C), gelu = F(N * 4 * C);
  for (let l = 0; l < c.n_layer; l++) {
    const w = p.h[l]!;
    layerNormForward(ln, mean, rstd, x, w.ln_1.weight, w.ln_1.bias, N, C, eps);
    linear(l, "c_attn", qkv, ln, N, C, 3 * C);
    attentionForward(atty, att, qkv, B, T, C, H);
    linear(l, "attn_c_proj", proj, atty, N, C, C);
    const res2 = F(N * C);
    residualForward(res2, x, proj, N * C);
    layerNormForward(ln, mean, rstd, res2, w.ln_2.weight, w.ln_2.bias, N, C, eps);
    linear(l, "c_fc", fch, ln, N, C, 4 * C);
    geluForward(gelu, fch, N * 4 * C);
    linear(l, "mlp_c_proj", proj, gelu, N, 4 * C, C);
    x = F(N * C);
    residualForward(x, res2, proj, N * C);
  }
  layerNormForward(ln, mean, rstd, x, p.ln_f.weight, p.ln_f.bias, N, C, eps);
  const logits = F(N * V);
  matmulTransBInto(logits, ln, p.wte, N, C, V);
  return logits;
}
