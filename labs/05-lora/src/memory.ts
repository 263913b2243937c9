// Parameter and memory arithmetic: what fine-tuning needs to hold in memory.
//
// Per trainable parameter, training with Adam keeps the weight, its gradient and
// Adam's two moments m and v. QLoRA's introduction prices 16-bit fine-tuning of
// LLaMA-65B at "more than 780 GB": 65·10⁹ × 12 bytes, i.e. 2 (bf16 weight)
// + 2 (bf16 gradient) + 8 (fp32 m and v) — the accounting used here. A frozen
// weight needs only itself: 2 bytes in bf16, 4.127 bits in NF4 with double
// quantization (nf4.ts, double-quant.ts). Activations are left out (they depend
// on batch and sequence length; QLoRA keeps them small with gradient
// checkpointing), so these are lower bounds.
//
// Shapes: LLaMA (Touvron et al. 2023, Table 2: dim, layers) with the FFN width
// of its reference code, 2/3·4d rounded up to a multiple of 256 (11,008 for d =
// 4096, 22,016 for d = 8192), an untied output head, vocab 32,000; GPT-3 175B
// (Brown et al. 2020, Table 2.1: 96 layers, d = 12,288, d_ff = 4d).

import type { GPTConfig } from "@llm-labs/model";

export interface Linear {
  name: string;
  IN: number;
  OUT: number;
}
export interface ModelShape {
  name: string;
  layers: number;
  linears: Linear[]; // per layer
  other: number; // embeddings, norms, biases: never adapted
}

export function specimenShape(c: GPTConfig, name = "specimen (target)"): ModelShape {
  const C = c.n_embd;
  const perLayerOther = 4 * C + 3 * C + C + 4 * C + C; // two LayerNorms (γ, β) and four biases
  return {
    name,
    layers: c.n_layer,
    linears: [
      { name: "c_attn", IN: C, OUT: 3 * C },
      { name: "attn_c_proj", IN: C, OUT: C },
      { name: "c_fc", IN: C, OUT: 4 * C },
      { name: "mlp_c_proj", IN: 4 * C, OUT: C },
    ],
    other: c.vocab_size * C + c.n_positions * C + c.n_layer * perLayerOther + 2 * C,
  };
}

export const llamaFfn = (d: number): number => Math.ceil((2 * 4 * d) / 3 / 256) * 256;

export function llamaShape(name: string, d: number, layers: number, vocab = 32000): ModelShape {
  const f = llamaFfn(d);
  return {
    name,
    layers,
    linears: [
      { name: "q_proj", IN: d, OUT: d },
      { name: "k_proj", IN: d, OUT: d },
      { name: "v_proj", IN: d, OUT: d },
      { name: "o_proj", IN: d, OUT: d },
      { name: "gate_proj", IN: d, OUT: f },
      { name: "up_proj", IN: d, OUT: f },
      { name: "down_proj", IN: f, OUT: d },
    ],
    other: 2 * vocab * d + layers * 2 * d + d, // embed_tokens + lm_head, two RMSNorms per layer, the final norm
  };
}

export const LLAMA_7B = llamaShape("LLaMA-7B", 4096, 32);
export const LLAMA_65B = llamaShape("LLaMA-65B", 8192, 80);
export const GPT3_175B: ModelShape = {
  name: "GPT-3 175B",
  layers: 96,
  linears: [
    { name: "q", IN: 12288, OUT: 12288 },
    { name: "k", IN: 12288, OUT: 12288 },
    { name: "v", IN: 12288, OUT: 12288 },
    { name: "o", IN: 12288, OUT: 12288 },
    { name: "fc", IN: 12288, OUT: 4 * 12288 },
    { name: "proj", IN: 4 * 12288, OUT: 12288 },
  ],
  other: 50257 * 12288 + 2048 * 12288, // token and position embeddings (biases and norms left out: < 0.01 %)
};

export const linearParams = (s: ModelShape): number =>
  s.layers * s.linears.reduce((n, l) => n + l.IN * l.OUT, 0);
export const totalParams = (s: ModelShape): number => linearParams(s) + s.other;

// LoRA on the named linears of every layer ("all": every linear), rank r: r·(IN + OUT) each.
export function loraParams(s: ModelShape, r: number, targets: readonly string[] | "all"): number {
  const chosen = targets === "all" ? s.linears : s.linears.filter((l) => targets.includes(l.name));
  if (targets !== "all" && chosen.length !== targets.length)
    throw new Error(
      `loraParams: ${s.name} has linears ${s.linears.map((l) => l.name).join(", ")}; asked for ${targets.join(", ")}`,
    );
  return s.layers * chosen.reduce((n, l) => n + r * (l.IN + l.OUT), 0);
}

export interface Precision {
  name: string;
  weight: number; // bytes per trainable weight
  grad: number;
  optimizer: number; // Adam's m and v together
}
export const BF16_ADAM: Precision = {
  name: "bf16 weights and grads, fp32 Adam",
  weight: 2,
  grad: 2,
  optimizer: 8,
};
export const FP32_ADAM: Precision = { name: "fp32", weight: 4, grad: 4, optimizer: 8 };

export interface MemoryRow {
  method: string;
  trainable: number;
  frozenBytes: number;
  trainableBytes: number; // weights + grads + optimizer of the trainable part
  total: number;
}

// Full fine-tuning: every parameter is trainable.
export function fullFinetune(s: ModelShape, p: Precision): MemoryRow {
  const n = totalParams(s);
  const b = n * (p.weight + p.grad + p.optimizer);
  return {
    method: `full fine-tuning (${p.name})`,
    trainable: n,
    frozenBytes: 0,
    trainableBytes: b,
    total: b,
  };
}

// LoRA / QLoRA: the base frozen at `linearBits` per linear weight (16: bf16; 4.127: NF4 + double quant;
// embeddings and norms stay at `otherBits`), the adapter trained at precision p.
export function loraMemory(
  s: ModelShape,
  r: number,
  targets: readonly string[] | "all",
  linearBits: number,
  p: Precision,
  otherBits = 16,
  label = "",
): MemoryRow {
  const trainable = loraParams(s, r, targets);
  const frozenBytes = (linearParams(s) * linearBits + s.other * otherBits) / 8;
  const trainableBytes = trainable * (p.weight + p.grad + p.optimizer);
  const where = targets === "all" ? "all linears" : targets.join(",");
  return {
    method: label || `LoRA r=${r} on ${where}, base ${linearBits} bits`,
    trainable,
    frozenBytes,
    trainableBytes,
    total: frozenBytes + trainableBytes,
  };
}
