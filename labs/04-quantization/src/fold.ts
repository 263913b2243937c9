// Folding a per-input-channel scale into the op that produces a layer's input.
//
// AWQ and SmoothQuant both rewrite y = x·W as y = (x/s)·(diag(s)·W). Dividing x by
// s at run time would cost an extra op, so it is folded into the previous one.
// For c_attn and c_fc that is a LayerNorm, whose output is an affine map per channel:
//
//   LN(x)_j = n_j · γ_j + β_j   →   LN(x)_j / s_j = n_j · (γ_j / s_j) + β_j / s_j
//
// so γ ← γ/s, β ← β/s and the rows of W ← s·W leave the model's function unchanged
// (up to float rounding), before any quantization happens.

import { viewParams, type GPT } from "@llm-labs/model";

export function foldInputScale(
  model: GPT,
  layer: number,
  name: "c_attn" | "c_fc",
  s: ArrayLike<number>,
): GPT {
  const C = model.config.n_embd;
  const N = name === "c_attn" ? 3 * C : 4 * C;
  if (s.length !== C) throw new Error(`foldInputScale: ${s.length} scales for a layer with ${C} inputs`);
  const params = viewParams(model.config, Float32Array.from(model.params.flat)).params;
  const b = params.h[layer];
  if (!b) throw new Error(`foldInputScale: no layer ${layer}`);
  const ln = name === "c_attn" ? b.ln_1 : b.ln_2;
  const w = b[name].weight;
  for (let j = 0; j < C; j++) {
    const sj = s[j];
    if (!(sj > 0) || !Number.isFinite(sj))
      throw new Error(`foldInputScale: scale ${j} is ${sj}; scales must be positive and finite`);
    ln.weight[j] = ln.weight[j] / sj;
    ln.bias[j] = ln.bias[j] / sj;
    for (let n = 0; n < N; n++) w[j * N + n] = w[j * N + n] * sj;
  }
  return { config: model.config, params };
}
