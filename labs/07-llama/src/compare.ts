// GPT-2 and Llama side by side: where each one's parameters go, what its KV cache costs per
// token, and how much text it was trained on. Counted from the config by formula, so the
// numbers can be read off the architecture; the tests hold them against the real tensors.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type GPT, type GPTConfig, type Llama, type LlamaConfig, headDim } from "@llm-labs/model";

export interface ParamsByKind {
  embeddings: number; // token table (+ GPT-2's position table; + lm_head when untied)
  attention: number; // q, k, v, output projections (+ GPT-2's biases)
  mlp: number; // GPT-2: c_fc, c_proj; Llama: gate, up, down (+ GPT-2's biases)
  norms: number; // LayerNorm γ, β (GPT-2) or RMSNorm γ (Llama), per block and final
  total: number;
}

const withTotal = (p: Omit<ParamsByKind, "total">): ParamsByKind => ({
  ...p,
  total: p.embeddings + p.attention + p.mlp + p.norms,
});

// GPT-2 (Radford et al. 2019), width D, L blocks, vocabulary V, P positions, head tied to wte:
//   embeddings  V·D + P·D                      wte, wpe
//   attention   L·(D·3D + 3D + D·D + D)        c_attn (q | k | v) and c_proj, with biases
//   MLP         L·(D·4D + 4D + 4D·D + D)       c_fc and c_proj, hidden 4D, with biases
//   norms       L·2·2D + 2D                    ln_1, ln_2 (γ and β), ln_f
export function gpt2ParamsByKind(c: GPTConfig): ParamsByKind {
  const D = c.n_embd;
  const L = c.n_layer;
  return withTotal({
    embeddings: c.vocab_size * D + c.n_positions * D,
    attention: L * (D * 3 * D + 3 * D + D * D + D),
    mlp: L * (D * 4 * D + 4 * D + 4 * D * D + D),
    norms: L * 2 * 2 * D + 2 * D,
  });
}

// Llama (Touvron et al. 2023), no biases, no position table (RoPE has no parameters), H query
// heads and H_kv key/value heads of d features, SwiGLU hidden I:
//   embeddings  V·D (· 2 when lm_head is not tied)
//   attention   L·(D·H·d + 2·D·H_kv·d + H·d·D)  q_proj, k_proj, v_proj (grouped-query), o_proj
//   MLP         L·3·D·I                         gate_proj, up_proj, down_proj
//   norms       L·2·D + D                       input_ and post_attention_layernorm γ, final norm
export function llamaParamsByKind(c: LlamaConfig): ParamsByKind {
  const D = c.hidden_size;
  const L = c.num_hidden_layers;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  return withTotal({
    embeddings: c.vocab_size * D * (c.tie_word_embeddings ? 1 : 2),
    attention: L * (D * q + 2 * D * kv + q * D),
    mlp: L * 3 * D * c.intermediate_size,
    norms: L * 2 * D + D,
  });
}

export function paramsByKind(c: GPTConfig | LlamaConfig): ParamsByKind {
  return c.model_type === "llama" ? llamaParamsByKind(c) : gpt2ParamsByKind(c);
}

// KV cache bytes per token of context, float32: a key and a value (2) of d features for each
// key/value head of each layer, 4 bytes a float:
//   bytes = 2 · layers · H_kv · d · 4
// GPT-2 caches every head (H_kv = n_head); grouped-query attention caches H_kv < H.
export function kvBytesPerToken(c: GPTConfig | LlamaConfig): number {
  const [layers, heads, d] =
    c.model_type === "llama"
      ? [c.num_hidden_layers, c.num_key_value_heads, c.head_dim]
      : [c.n_layer, c.n_head, headDim(c)];
  return 2 * layers * heads * d * 4;
}

// The training run a checkpoint records in training.json (written by scripts/train.ts).
export interface TrainingRun {
  steps: number;
  batchSize: number;
  seqLen: number;
  accum: number;
  tokens: number; // steps · batchSize · seqLen · accum
  seconds: number;
}

export function trainingRun(dir: string): TrainingRun {
  const j = JSON.parse(readFileSync(join(dir, "training.json"), "utf8")) as Record<string, unknown>;
  const num = (key: string): number => {
    const v = j[key];
    if (typeof v !== "number") throw new Error(`${dir}/training.json: ${key} must be a number`);
    return v;
  };
  return {
    steps: num("steps"),
    batchSize: num("batchSize"),
    seqLen: num("seqLen"),
    accum: num("accum"),
    tokens: num("tokens"),
    seconds: num("seconds"),
  };
}

// The same counts read off a loaded model's tensors (each array's length), to check the formulas.
export function countedParamsByKind(model: GPT | Llama): ParamsByKind {
  const sum = (xs: { length: number }[]) => xs.reduce((n, x) => n + x.length, 0);
  if (model.config.model_type === "llama") {
    const p = (model as Llama).params;
    const tied = p.lm_head === p.embed_tokens;
    return withTotal({
      embeddings: p.embed_tokens.length + (tied ? 0 : p.lm_head.length),
      attention: sum(
        p.layers.flatMap((b) => [b.q_proj.weight, b.k_proj.weight, b.v_proj.weight, b.o_proj.weight]),
      ),
      mlp: sum(p.layers.flatMap((b) => [b.gate_proj.weight, b.up_proj.weight, b.down_proj.weight])),
      norms: sum(p.layers.flatMap((b) => [b.input_layernorm, b.post_attention_layernorm])) + p.norm.length,
    });
  }
  const p = (model as GPT).params;
  return withTotal({
    embeddings: p.wte.length + p.wpe.length,
    attention: sum(
      p.h.flatMap((b) => [b.c_attn.weight, b.c_attn.bias, b.attn_c_proj.weight, b.attn_c_proj.bias]),
    ),
    mlp: sum(p.h.flatMap((b) => [b.c_fc.weight, b.c_fc.bias, b.mlp_c_proj.weight, b.mlp_c_proj.bias])),
    norms:
      sum(p.h.flatMap((b) => [b.ln_1.weight, b.ln_1.bias, b.ln_2.weight, b.ln_2.bias])) +
      sum([p.ln_f.weight, p.ln_f.bias]),
  });
}
