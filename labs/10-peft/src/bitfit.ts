// BitFit (Ben Zaken et al. 2021, "BitFit: Simple Parameter-efficient Fine-tuning for
// Transformer-based Masked Language-models"): train the bias terms and nothing else.
//
// Every linear has y = x·W + b and every LayerNorm y = γ·x̂ + β; BitFit trains each b and
// each β. In the GPT-2 specimen a block has
//
//   c_attn 3C + attn.c_proj C + c_fc 4C + mlp.c_proj C + ln_1 C + ln_2 C = 11·C
//
// biases, and ln_f adds C more: 11·C·L + C in all. For the target (C = 128, L = 4) that is
// 5,760 of 940,800 numbers, 0.61 %. A bias moves every row of a layer's output by the same
// vector, so BitFit can shift what a layer produces but not how it mixes its inputs.
//
// The method is a mask over the model's one flat parameter buffer: 1 where a number
// trains. Full fine-tuning is the same method with every bit set, so the table's two
// extremes share one implementation.

import type { Peft } from "@llm-labs/lab-lora";
import { LINEAR_NAMES, type Floats, type GPT } from "@llm-labs/model";

// Where a tensor (a view into model.params.flat) starts in the flat buffer.
export function flatOffset(model: GPT, t: Floats): number {
  const flat = model.params.flat;
  return (t.byteOffset - flat.byteOffset) / flat.BYTES_PER_ELEMENT;
}

// 1 for every number of the flat buffer that is a bias (a linear's b or a LayerNorm's β).
export function biasMask(model: GPT): Uint8Array {
  const mask = new Uint8Array(model.params.flat.length);
  // #region exercise bitfit-mask
  const mark = (bias: Floats) => mask.fill(1, flatOffset(model, bias), flatOffset(model, bias) + bias.length);
  for (const block of model.params.h) {
    for (const name of LINEAR_NAMES) mark(block[name].bias);
    mark(block.ln_1.bias);
    mark(block.ln_2.bias);
  }
  mark(model.params.ln_f.bias);
  // #endregion
  return mask;
}

// Train the numbers where mask is 1; θ holds them in flat order.
//   W_eff[idx[k]] = θ[k]          ∂L/∂θ[k] = ∂L/∂W[idx[k]]
export function maskedPeft(name: string, model: GPT, mask: Uint8Array): Peft {
  const flat = model.params.flat;
  if (mask.length !== flat.length)
    throw new Error(`maskedPeft: mask has ${mask.length} entries, the model ${flat.length} parameters`);
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  const params = flat instanceof Float64Array ? new Float64Array(idx.length) : new Float32Array(idx.length);
  idx.forEach((i, k) => {
    params[k] = flat[i];
  });
  return {
    name,
    params,
    apply(base, eff) {
      eff.params.flat.set(base.params.flat);
      idx.forEach((i, k) => {
        eff.params.flat[i] = params[k];
      });
    },
    backward(_base, grads, dparams) {
      idx.forEach((i, k) => {
        dparams[k] += grads.flat[i];
      });
    },
  };
}

export const bitfitPeft = (model: GPT): Peft => maskedPeft("BitFit", model, biasMask(model));
export const fullPeft = (model: GPT): Peft =>
  maskedPeft("full fine-tuning", model, new Uint8Array(model.params.flat.length).fill(1));
