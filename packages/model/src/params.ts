// The model's parameters: names, shapes, and one flat buffer that holds them all.
//
// Names and layouts follow Hugging Face's GPT2LMHeadModel (modeling_gpt2.py), so a
// learner who has seen GPT-2's state dict recognises every tensor:
//
//   transformer.wte.weight             [vocab_size, n_embd]   token embedding (also the LM head: tied)
//   transformer.wpe.weight             [n_positions, n_embd]  learned position embedding
//   transformer.h.{i}.ln_1.weight/bias [n_embd]               LayerNorm before attention
//   transformer.h.{i}.attn.c_attn.weight [n_embd, 3·n_embd]   x → [q | k | v]
//   transformer.h.{i}.attn.c_attn.bias   [3·n_embd]
//   transformer.h.{i}.attn.c_proj.weight [n_embd, n_embd]     heads → residual
//   transformer.h.{i}.ln_2.weight/bias [n_embd]               LayerNorm before the MLP
//   transformer.h.{i}.mlp.c_fc.weight  [n_embd, 4·n_embd]     up-projection
//   transformer.h.{i}.mlp.c_proj.weight [4·n_embd, n_embd]    down-projection
//   transformer.ln_f.weight/bias       [n_embd]               final LayerNorm
//
// GPT-2's linear layers are `Conv1D` modules (pytorch_utils.py), which store the
// weight as [in, out] and compute y = x·W + b: the transpose of nn.Linear's
// [out, in]. We keep that layout, so y = x·W is a plain row-major matmul.
//
// One flat buffer (with a view per tensor) makes the optimizer and gradient
// bookkeeping trivial: AdamW, zeroing and clipping are loops over one array.

import type { GPTConfig } from "./config.ts";
import { Rng } from "@llm-labs/tensor";

// Float32 for real work; Float64 only for the finite-difference gradient check.
import type { Floats } from "@llm-labs/tensor";
export type { Floats };

export interface Linear {
  weight: Floats; // [in, out]
  bias: Floats; // [out]
}
export interface Norm {
  weight: Floats; // γ, [n_embd]
  bias: Floats; // β, [n_embd]
}
export interface Block {
  ln_1: Norm;
  c_attn: Linear;
  attn_c_proj: Linear;
  ln_2: Norm;
  c_fc: Linear;
  mlp_c_proj: Linear;
}
// The tensors the forward pass reads (a pruned model has these and no flat buffer).
export interface Weights {
  wte: Floats; // [vocab_size, n_embd]
  wpe: Floats; // [n_positions, n_embd]
  h: Block[];
  ln_f: Norm;
}
export interface Params extends Weights {
  flat: Floats; // every parameter, in `paramShapes` order
}

// Names and shapes in a fixed order (the order of the flat buffer and of the files).
export function paramShapes(c: GPTConfig): [string, number[]][] {
  const D = c.n_embd;
  const out: [string, number[]][] = [
    ["transformer.wte.weight", [c.vocab_size, D]],
    ["transformer.wpe.weight", [c.n_positions, D]],
  ];
  for (let i = 0; i < c.n_layer; i++) {
    const p = `transformer.h.${i}.`;
    out.push(
      [p + "ln_1.weight", [D]],
      [p + "ln_1.bias", [D]],
      [p + "attn.c_attn.weight", [D, 3 * D]],
      [p + "attn.c_attn.bias", [3 * D]],
      [p + "attn.c_proj.weight", [D, D]],
      [p + "attn.c_proj.bias", [D]],
      [p + "ln_2.weight", [D]],
      [p + "ln_2.bias", [D]],
      [p + "mlp.c_fc.weight", [D, 4 * D]],
      [p + "mlp.c_fc.bias", [4 * D]],
      [p + "mlp.c_proj.weight", [4 * D, D]],
      [p + "mlp.c_proj.bias", [D]],
    );
  }
  out.push(["transformer.ln_f.weight", [D]], ["transformer.ln_f.bias", [D]]);
  return out;
}

export function countParams(c: GPTConfig): number {
  return paramShapes(c).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
}

// Views into `flat`, by name and as the structured `Params`.
export function viewParams(c: GPTConfig, flat: Floats): { params: Params; byName: Map<string, Floats> } {
  const byName = new Map<string, Floats>();
  let at = 0;
  for (const [name, shape] of paramShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    byName.set(name, flat.subarray(at, at + n));
    at += n;
  }
  if (at !== flat.length)
    throw new Error(`params: the config needs ${at} parameters, the buffer holds ${flat.length}`);
  const get = (name: string) => byName.get(name)!;
  const h: Block[] = [];
  for (let i = 0; i < c.n_layer; i++) {
    const p = `transformer.h.${i}.`;
    h.push({
      ln_1: { weight: get(p + "ln_1.weight"), bias: get(p + "ln_1.bias") },
      c_attn: { weight: get(p + "attn.c_attn.weight"), bias: get(p + "attn.c_attn.bias") },
      attn_c_proj: { weight: get(p + "attn.c_proj.weight"), bias: get(p + "attn.c_proj.bias") },
      ln_2: { weight: get(p + "ln_2.weight"), bias: get(p + "ln_2.bias") },
      c_fc: { weight: get(p + "mlp.c_fc.weight"), bias: get(p + "mlp.c_fc.bias") },
      mlp_c_proj: { weight: get(p + "mlp.c_proj.weight"), bias: get(p + "mlp.c_proj.bias") },
    });
  }
  const params: Params = {
    flat,
    wte: get("transformer.wte.weight"),
    wpe: get("transformer.wpe.weight"),
    h,
    ln_f: { weight: get("transformer.ln_f.weight"), bias: get("transformer.ln_f.bias") },
  };
  return { params, byName };
}

export function zerosLike(c: GPTConfig, flat: Floats): Params {
  const Ctor = flat instanceof Float64Array ? Float64Array : Float32Array;
  return viewParams(c, new Ctor(flat.length)).params;
}

// GPT-2's initialisation (Radford et al. 2019, §2.3, and nanoGPT's _init_weights):
// weights ~ N(0, 0.02²), biases 0, LayerNorm γ = 1, β = 0; the two projections
// that write into the residual stream (attn.c_proj, mlp.c_proj) get std
// 0.02/sqrt(2·n_layer), so the residual's variance does not grow with depth.
export function initParams(c: GPTConfig, seed: number, dtype: "float32" | "float64" = "float32"): Params {
  const flat = dtype === "float64" ? new Float64Array(countParams(c)) : new Float32Array(countParams(c));
  const { byName, params } = viewParams(c, flat);
  const rng = new Rng(seed);
  const residualStd = 0.02 / Math.sqrt(2 * c.n_layer);
  for (const [name, t] of byName) {
    if (name.endsWith("ln_1.weight") || name.endsWith("ln_2.weight") || name.endsWith("ln_f.weight"))
      t.fill(1);
    else if (name.endsWith(".bias")) t.fill(0);
    else {
      const std = name.endsWith("c_proj.weight") ? residualStd : 0.02;
      for (let i = 0; i < t.length; i++) t[i] = rng.normal(0, std);
    }
  }
  return params;
}
