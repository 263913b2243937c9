// The Llama specimen's backward pass, by hand, in the style of backward.ts: every layer's
// backward takes dL/d(output) and ADDS dL/d(input) and dL/d(parameters). The layers are
// llama-layers.ts's; the linears and the cross-entropy are the GPT-2's. Checked against
// float64 finite differences for every kind of parameter (test/llama-backward.test.ts).

import { matmulAccumulate, matmulTransAAccumulate } from "@llm-labs/tensor";
import { crossEntropyBackward } from "./backward.ts";
import { allocLlamaActivations, forwardPass, type LlamaActivations } from "./forward.ts";
import { causalAttentionBackward } from "./attention-matmul.ts";
import { rmsNormBackward, ropeBackward, swigluBackward } from "./llama-layers.ts";
import { type Llama, type LlamaParams, viewLlamaParams } from "./llama-params.ts";
import { linearBackward } from "./linear.ts";
import type { Floats } from "./params.ts";
import { ropeFrequencies } from "./rope-scaling.ts";

// The forward that keeps every intermediate (reusing `acts` when it fits).
export function llamaForward(
  model: Llama,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  acts?: LlamaActivations,
): LlamaActivations {
  const dtype = model.params.flat instanceof Float64Array ? "float64" : "float32";
  const a = acts && acts.B === B && acts.T === T ? acts : allocLlamaActivations(model.config, B, T, dtype);
  forwardPass(model, ids, B, T, { acts: a });
  return a;
}

// Loss and gradients for one batch, ADDED to `grads` (so micro-batches accumulate).
export function llamaLossAndGrads(
  model: Llama,
  ids: ArrayLike<number>,
  targets: ArrayLike<number>,
  B: number,
  T: number,
  grads: LlamaParams,
  acts?: LlamaActivations,
): { loss: number; acts: LlamaActivations } {
  const c = model.config;
  const p = model.params;
  const D = c.hidden_size;
  const d = c.head_dim;
  const N = B * T;
  const V = c.vocab_size;
  const a = llamaForward(model, ids, B, T, acts);
  const dlogits = a.logits; // overwritten in place
  const loss = crossEntropyBackward(dlogits, targets, N, V);
  const F = (n: number): Floats =>
    p.flat instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  const rope = { ...ropeFrequencies(c, T), p0: 0 };

  // LM head, logits = xnf · lm_headᵀ:  dxnf = dlogits · lm_head,  dlm_head += dlogitsᵀ · xnf
  // (tied: grads.lm_head is grads.embed_tokens, so both uses add into one gradient)
  const dxnf = F(N * D);
  matmulAccumulate(dxnf, dlogits, p.lm_head, N, V, D);
  matmulTransAAccumulate(grads.lm_head, dlogits, a.xnf, V, N, D);
  const dx = F(N * D); // the gradient flowing down the residual stream
  const xLast = a.layers.length > 0 ? a.layers[a.layers.length - 1].res3 : a.encoded;
  rmsNormBackward(dx, grads.norm, dxnf, xLast, p.norm, a.rstdf, N, D);

  for (let l = a.layers.length - 1; l >= 0; l--) {
    const w = p.layers[l];
    const g = grads.layers[l];
    const L = a.layers[l];
    const H = w.q_proj.weight.length / (D * d);
    const Hkv = w.k_proj.weight.length / (D * d);
    const I = w.gate_proj.weight.length / D;
    const xIn = l > 0 ? a.layers[l - 1].res3 : a.encoded;
    // res3 = res2 + down(swiglu(gate(xn2), up(xn2))): dx reaches res2 unchanged, and through the MLP
    const dh = F(N * I);
    linearBackward(dh, g.down_proj.weight, g.down_proj.bias, dx, L.h, w.down_proj.weight, N, I, D);
    const dgate = F(N * I);
    const dup = F(N * I);
    swigluBackward(dgate, dup, dh, L.gate, L.up, N * I);
    const dxn = F(N * D);
    linearBackward(dxn, g.gate_proj.weight, g.gate_proj.bias, dgate, L.xn2, w.gate_proj.weight, N, D, I);
    linearBackward(dxn, g.up_proj.weight, g.up_proj.bias, dup, L.xn2, w.up_proj.weight, N, D, I);
    rmsNormBackward(dx, g.post_attention_layernorm, dxn, L.res2, w.post_attention_layernorm, L.rstd2, N, D);
    // res2 = x + o_proj(attention(rope(q), rope(k), v))
    const datty = F(N * H * d);
    linearBackward(datty, g.o_proj.weight, g.o_proj.bias, dx, L.atty, w.o_proj.weight, N, H * d, D);
    const dq = F(N * H * d); // with respect to the rotated q and k (what attention saw)
    const dk = F(N * Hkv * d);
    const dv = F(N * Hkv * d);
    causalAttentionBackward(dq, dk, dv, datty, L.q, L.k, L.v, L.att, B, T, H, Hkv, d);
    const dq0 = F(N * H * d); // … and before the rotation
    const dk0 = F(N * Hkv * d);
    ropeBackward(dq0, dq, B, T, H, d, rope);
    ropeBackward(dk0, dk, B, T, Hkv, d, rope);
    dxn.fill(0);
    linearBackward(dxn, g.q_proj.weight, g.q_proj.bias, dq0, L.xn1, w.q_proj.weight, N, D, H * d);
    linearBackward(dxn, g.k_proj.weight, g.k_proj.bias, dk0, L.xn1, w.k_proj.weight, N, D, Hkv * d);
    linearBackward(dxn, g.v_proj.weight, g.v_proj.bias, dv, L.xn1, w.v_proj.weight, N, D, Hkv * d);
    rmsNormBackward(dx, g.input_layernorm, dxn, xIn, w.input_layernorm, L.rstd1, N, D);
  }
  // embedding: each row's gradient goes back to the row of embed_tokens it came from
  for (let n = 0; n < N; n++) {
    const o = a.ids[n] * D;
    for (let i = 0; i < D; i++) grads.embed_tokens[o + i] += dx[n * D + i];
  }
  return { loss, acts: a };
}

export function zeroLlamaGrads(model: Llama): LlamaParams {
  const Ctor = model.params.flat instanceof Float64Array ? Float64Array : Float32Array;
  return viewLlamaParams(model.config, new Ctor(model.params.flat.length)).params;
}
