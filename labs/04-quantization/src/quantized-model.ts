// A quantized specimen: every linear layer's weight replaced by its quantized
// version, dequantized back to float32 ("fake quantization"). The forward pass is
// unchanged, so any change in perplexity is the weights' rounding error alone.
// The embedding (also the tied LM head) and LayerNorms stay float32, as in most
// weight-only schemes (GPTQ and AWQ keep them too).

import { viewParams, type GPT } from "@llm-labs/model";

export const LINEARS = ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] as const;

// Shape [in, out] of each linear of block 0 … n_layer-1.
export function linearShape(model: GPT, name: (typeof LINEARS)[number]): [number, number] {
  const D = model.config.n_embd;
  return name === "c_attn"
    ? [D, 3 * D]
    : name === "attn_c_proj"
      ? [D, D]
      : name === "c_fc"
        ? [D, 4 * D]
        : [4 * D, D];
}

// A copy of the model with W ← f(W, in, out, "layer.name") for every linear weight.
export function mapLinears(
  model: GPT,
  f: (w: Float32Array, IN: number, OUT: number, key: string) => Float32Array,
): GPT {
  const flat = Float32Array.from(model.params.flat);
  const params = viewParams(model.config, flat).params;
  params.h.forEach((block, i) => {
    for (const name of LINEARS) {
      const [IN, OUT] = linearShape(model, name);
      block[name].weight.set(f(Float32Array.from(block[name].weight), IN, OUT, `${i}.${name}`));
    }
  });
  return { config: model.config, params };
}

// Number of linear weights (the part that is quantized).
export function linearParamCount(model: GPT): number {
  let n = 0;
  for (const name of LINEARS) {
    const [IN, OUT] = linearShape(model, name);
    n += IN * OUT;
  }
  return n * model.config.n_layer;
}
