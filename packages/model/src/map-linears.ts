// Every linear layer of the specimen, as one list: what a weight-only method
// (RTN, GPTQ, AWQ in lab 04; NF4 in lab 05; pruning in lab 06) walks over.
// A method replaces W [IN, OUT] of each linear; embeddings (also the tied LM
// head), biases and LayerNorms stay as they are, as those methods leave them.

import { LINEAR_NAMES, type LinearName } from "./forward.ts";
import type { GPT } from "./gpt.ts";
import { viewParams } from "./params.ts";

// Shape [IN, OUT] of linear `name` in every block (Conv1D layout: y = x·W).
export function linearShape(model: GPT, name: LinearName): [number, number] {
  const C = model.config.n_embd;
  return name === "c_attn"
    ? [C, 3 * C]
    : name === "attn_c_proj"
      ? [C, C]
      : name === "c_fc"
        ? [C, 4 * C]
        : [4 * C, C];
}

// A float32 copy of the model with W ← f(W, IN, OUT, "layer.name") for every linear weight;
// `model` is untouched, and f gets a copy of W it may keep or change.
export function mapLinears(
  model: GPT,
  f: (w: Float32Array, IN: number, OUT: number, key: string) => Float32Array,
): GPT {
  const flat = Float32Array.from(model.params.flat);
  const params = viewParams(model.config, flat).params;
  params.h.forEach((block, i) => {
    for (const name of LINEAR_NAMES) {
      const [IN, OUT] = linearShape(model, name);
      block[name].weight.set(f(Float32Array.from(block[name].weight), IN, OUT, `${i}.${name}`));
    }
  });
  return { config: model.config, params };
}

// Number of linear weights in the whole model (biases not counted): what a weight-only method touches.
export function linearParamCount(model: GPT): number {
  let n = 0;
  for (const name of LINEAR_NAMES) {
    const [IN, OUT] = linearShape(model, name);
    n += IN * OUT;
  }
  return n * model.config.n_layer;
}
