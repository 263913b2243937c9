// The Llama specimen's parameters: names, shapes, one flat buffer, initialisation.
//
// The names are Hugging Face's LlamaForCausalLM state dict (modeling_llama.py), so the
// file a learner opens is the one transformers writes:
//
//   model.embed_tokens.weight                        [V, D]        token embedding (no position table:
//                                                                  RoPE puts positions into q and k)
//   model.layers.{i}.input_layernorm.weight          [D]           RMSNorm γ before attention
//   model.layers.{i}.self_attn.q_proj.weight         [D, H·d]      x → queries
//   model.layers.{i}.self_attn.k_proj.weight         [D, H_kv·d]   x → keys   (H_kv < H: grouped-query)
//   model.layers.{i}.self_attn.v_proj.weight         [D, H_kv·d]   x → values
//   model.layers.{i}.self_attn.o_proj.weight         [H·d, D]      heads → residual
//   model.layers.{i}.post_attention_layernorm.weight [D]           RMSNorm γ before the MLP
//   model.layers.{i}.mlp.gate_proj.weight            [D, I]        SwiGLU's gate
//   model.layers.{i}.mlp.up_proj.weight              [D, I]        SwiGLU's value
//   model.layers.{i}.mlp.down_proj.weight            [I, D]        back to the residual
//   model.norm.weight                                [D]           final RMSNorm
//   lm_head.weight                                   [D, V]        only when the head is not tied
//
// No biases anywhere (LLaMA, Touvron et al. 2023, §2.2 keeps none of GPT-2's).
//
// One layout for every linear of the course: weight [in, out], y = x·W (as GPT-2's Conv1D).
// nn.Linear stores [out, in], so the files hold the transpose; llama-checkpoint.ts turns it
// round on the way in and out. Shapes above are the course's [in, out].

import type { LlamaConfig } from "./llama-config.ts";
import type { Floats, Linear } from "./params.ts";
import { Rng } from "@llm-labs/tensor";

export interface LlamaBlock {
  input_layernorm: Floats; // γ [D]
  q_proj: Linear; // [D, H·d]; bias is empty
  k_proj: Linear; // [D, H_kv·d]
  v_proj: Linear; // [D, H_kv·d]
  o_proj: Linear; // [H·d, D]
  post_attention_layernorm: Floats; // γ [D]
  gate_proj: Linear; // [D, I]
  up_proj: Linear; // [D, I]
  down_proj: Linear; // [I, D]
}

// The tensors the forward pass reads.
export interface LlamaWeights {
  embed_tokens: Floats; // [V, D]
  layers: LlamaBlock[];
  norm: Floats; // γ [D]
  lm_head: Floats; // [V, D], the same array as embed_tokens when tied (logits = x · lm_headᵀ)
}
export interface LlamaParams extends LlamaWeights {
  flat: Floats; // every parameter, in llamaParamShapes order
}

export interface Llama {
  config: LlamaConfig;
  params: LlamaParams;
}

const NO_BIAS = new Float32Array(0);

// The linears of a block, in file order, with their [in, out] shapes.
export const LLAMA_LINEARS = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
] as const;
export type LlamaLinearName = (typeof LLAMA_LINEARS)[number];

export function llamaLinearShape(c: LlamaConfig, name: LlamaLinearName): [number, number] {
  const D = c.hidden_size;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  const I = c.intermediate_size;
  const shapes: Record<LlamaLinearName, [number, number]> = {
    q_proj: [D, q],
    k_proj: [D, kv],
    v_proj: [D, kv],
    o_proj: [q, D],
    gate_proj: [D, I],
    up_proj: [D, I],
    down_proj: [I, D],
  };
  return shapes[name];
}

// HF's name of a block linear: "model.layers.3.self_attn.q_proj.weight", "model.layers.3.mlp.up_proj.weight".
export function llamaLinearName(layer: number, name: LlamaLinearName): string {
  const module = name === "gate_proj" || name === "up_proj" || name === "down_proj" ? "mlp" : "self_attn";
  return `model.layers.${layer}.${module}.${name}.weight`;
}

// Names and [in, out] shapes in a fixed order: the flat buffer's order and the file's.
export function llamaParamShapes(c: LlamaConfig): [string, number[]][] {
  const D = c.hidden_size;
  const out: [string, number[]][] = [["model.embed_tokens.weight", [c.vocab_size, D]]];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    out.push([`model.layers.${i}.input_layernorm.weight`, [D]]);
    for (const name of LLAMA_LINEARS.slice(0, 4))
      out.push([llamaLinearName(i, name), llamaLinearShape(c, name)]);
    out.push([`model.layers.${i}.post_attention_layernorm.weight`, [D]]);
    for (const name of LLAMA_LINEARS.slice(4))
      out.push([llamaLinearName(i, name), llamaLinearShape(c, name)]);
  }
  out.push(["model.norm.weight", [D]]);
  if (!c.tie_word_embeddings) out.push(["lm_head.weight", [c.vocab_size, D]]);
  return out;
}

// Views into `flat`, by name and as the structured LlamaParams.
export function viewLlamaParams(
  c: LlamaConfig,
  flat: Floats,
): { params: LlamaParams; byName: Map<string, Floats> } {
  const byName = new Map<string, Floats>();
  let at = 0;
  for (const [name, shape] of llamaParamShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    byName.set(name, flat.subarray(at, at + n));
    at += n;
  }
  if (at !== flat.length)
    throw new Error(`llama params: the config needs ${at} parameters, the buffer holds ${flat.length}`);
  const get = (name: string): Floats => {
    const t = byName.get(name);
    if (!t) throw new Error(`llama params: no tensor ${name}`);
    return t;
  };
  const linear = (i: number, name: LlamaLinearName): Linear => ({
    weight: get(llamaLinearName(i, name)),
    bias: NO_BIAS,
  });
  const layers: LlamaBlock[] = [];
  for (let i = 0; i < c.num_hidden_layers; i++)
    layers.push({
      input_layernorm: get(`model.layers.${i}.input_layernorm.weight`),
      q_proj: linear(i, "q_proj"),
      k_proj: linear(i, "k_proj"),
      v_proj: linear(i, "v_proj"),
      o_proj: linear(i, "o_proj"),
      post_attention_layernorm: get(`model.layers.${i}.post_attention_layernorm.weight`),
      gate_proj: linear(i, "gate_proj"),
      up_proj: linear(i, "up_proj"),
      down_proj: linear(i, "down_proj"),
    });
  const embed = get("model.embed_tokens.weight");
  const params: LlamaParams = {
    flat,
    embed_tokens: embed,
    layers,
    norm: get("model.norm.weight"),
    lm_head: c.tie_word_embeddings ? embed : get("lm_head.weight"),
  };
  return { params, byName };
}

export function llamaParamTotal(c: LlamaConfig): number {
  return llamaParamShapes(c).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
}

// Llama's initialisation (HF's LlamaPreTrainedModel._init_weights): every weight
// ~ N(0, initializer_range² = 0.02²), RMSNorm γ = 1. As for the GPT-2 specimen, the two
// projections that write into the residual stream (o_proj, down_proj) get
// 0.02/sqrt(2·layers) (GPT-2 §2.3), which trains more steadily at this depth.
export function initLlamaParams(
  c: LlamaConfig,
  seed: number,
  dtype: "float32" | "float64" = "float32",
): LlamaParams {
  const n = llamaParamTotal(c);
  const flat = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  const { byName, params } = viewLlamaParams(c, flat);
  const rng = new Rng(seed);
  const residualStd = 0.02 / Math.sqrt(2 * c.num_hidden_layers);
  for (const [name, t] of byName) {
    if (name.endsWith("layernorm.weight") || name === "model.norm.weight") t.fill(1);
    else {
      const std = name.includes("o_proj") || name.includes("down_proj") ? residualStd : 0.02;
      for (let i = 0; i < t.length; i++) t[i] = rng.normal(0, std);
    }
  }
  return params;
}

export function createLlama(c: LlamaConfig, seed: number, dtype: "float32" | "float64" = "float32"): Llama {
  return { config: c, params: initLlamaParams(c, seed, dtype) };
}
