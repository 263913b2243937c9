// Calibration inputs for every linear layer: run the float model on a few
// windows of text and keep what enters each linear (ln1 → c_attn, the
// concatenated heads → attn c_proj, ln2 → c_fc, GELU output → mlp c_proj).
// GPTQ needs only their Hessian H = 2XᵀX/T (+ dampening), built here.
// (GPTQ's reference code quantizes block by block, feeding each block the
// already-quantized previous blocks' outputs; we use the float model's inputs
// for every layer: simpler, and on 4 layers nearly the same.)

import { forward, type GPT } from "@llm-labs/model";
import { hessian } from "./gptq.ts";

export function calibrationInputs(
  model: GPT,
  tokens: number[],
): Map<string, { x: Float32Array; T: number; K: number }> {
  const W = model.config.n_positions;
  const C = model.config.n_embd;
  const windows = Math.floor(tokens.length / W);
  if (windows < 1) throw new Error(`calibration needs at least ${W} tokens, got ${tokens.length}`);
  const T = windows * W;
  const out = new Map<string, { x: Float32Array; T: number; K: number }>();
  const put = (key: string, K: number, w: number, src: ArrayLike<number>) => {
    if (!out.has(key)) out.set(key, { x: new Float32Array(T * K), T, K });
    out.get(key)!.x.set(src as Float32Array, w * W * K);
  };
  for (let w = 0; w < windows; w++) {
    const acts = forward(model, tokens.slice(w * W, (w + 1) * W), 1, W);
    acts.layers.forEach((l, i) => {
      put(`${i}.c_attn`, C, w, l.ln1);
      put(`${i}.attn_c_proj`, C, w, l.atty);
      put(`${i}.c_fc`, C, w, l.ln2);
      put(`${i}.mlp_c_proj`, 4 * C, w, l.fchGelu);
    });
  }
  return out;
}

export function calibrationHessians(model: GPT, tokens: number[], damp = 0.01): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const [key, { x, T, K }] of calibrationInputs(model, tokens)) out.set(key, hessian(x, T, K, damp));
  return out;
}
