// Calibration inputs: what enters each linear layer of the specimen when it
// reads real text. GPTQ and AWQ (lab 04) and Wanda and SparseGPT (lab 06) need
// them (their Hessian H = 2XᵀX/T, hessian.ts, or their norms ‖X_k‖).
//
// The float model runs on non-overlapping windows of n_positions tokens, and
// the linear hook of forwardWithLinears copies each layer's input as it passes:
//   c_attn      ← ln_1(x)                     [T, C]
//   attn_c_proj ← the concatenated heads      [T, C]
//   c_fc        ← ln_2(x)                     [T, C]
//   mlp_c_proj  ← GELU(c_fc(…))               [T, 4C]
// (GPTQ's reference code quantizes block by block, feeding each block the
// already-quantized previous blocks' outputs; the float model's inputs for
// every layer are simpler, and on 4 layers nearly the same.)

import { forwardWithLinears } from "./forward-linears.ts";
import type { GPT } from "./gpt.ts";
import { linearForward } from "./linear.ts";

// One layer's inputs X [T, K], row-major.
export interface LayerInputs {
  x: Float32Array;
  T: number;
  K: number;
}

// Keyed "layer.name", e.g. "0.c_fc"; T = (number of whole windows) · n_positions.
export function calibrationInputs(model: GPT, tokens: number[]): Map<string, LayerInputs> {
  const W = model.config.n_positions;
  const windows = Math.floor(tokens.length / W);
  if (windows < 1) throw new Error(`calibration needs at least ${W} tokens, got ${tokens.length}`);
  const T = windows * W;
  const out = new Map<string, LayerInputs>();
  for (let w = 0; w < windows; w++)
    forwardWithLinears(model, tokens.slice(w * W, (w + 1) * W), 1, W, (layer, name, x, rows, K, N, lin) => {
      const key = `${layer}.${name}`;
      let inputs = out.get(key);
      if (!inputs) {
        inputs = { x: new Float32Array(T * K), T, K };
        out.set(key, inputs);
      }
      inputs.x.set(x.subarray(0, rows * K), w * W * K); // x is a buffer the forward reuses: copy it now
      const y = new Float32Array(rows * N);
      linearForward(y, x, lin.weight, lin.bias, rows, K, N);
      return y;
    });
  return out;
}
