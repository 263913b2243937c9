// How much memory the KV cache takes.
//
// Every token leaves, in every layer, one key and one value vector per KV head:
//
//   bytes per token = 2 (K and V) × layers × kv_heads × head_dim × bytes per element
//   cache bytes     = bytes per token × context length × batch size
//
// Nothing else in serving grows with the context like this; it is why long
// contexts and big batches run out of GPU memory before the weights do, and why
// MQA/GQA (fewer kv_heads), KV quantization (fewer bytes per element) and
// PagedAttention (no wasted slots) exist.

import type { GPTConfig, LlamaConfig } from "@llm-labs/model";

export interface KVShape {
  name: string;
  layers: number;
  kvHeads: number; // = attention heads for MHA; fewer for GQA; 1 for MQA
  headDim: number;
  bytesPerElement: number; // 4 float32, 2 fp16/bf16, 1 int8/fp8
  source: string; // where the numbers come from
}

export function kvBytesPerToken(s: KVShape): number {
  // #region exercise kv-bytes-formula
  return 2 * s.layers * s.kvHeads * s.headDim * s.bytesPerElement;
  // #endregion
}

export function kvCacheBytes(s: KVShape, contextLength: number, batch: number): number {
  return kvBytesPerToken(s) * contextLength * batch;
}

// The shape of one of the course's own checkpoints, read from its config.json, in
// float32 (what our caches store). A GPT-2 keeps every head; a Llama only its
// num_key_value_heads, each head_dim wide.
export function kvShapeOf(config: GPTConfig | LlamaConfig, name: string, source = "config.json"): KVShape {
  const shape =
    config.model_type === "llama"
      ? { layers: config.num_hidden_layers, kvHeads: config.num_key_value_heads, headDim: config.head_dim }
      : { layers: config.n_layer, kvHeads: config.n_head, headDim: config.n_embd / config.n_head };
  return { name, ...shape, bytesPerElement: 4, source };
}

// Published configs (Hugging Face config.json field names in the comments).
export const KV_SHAPES: KVShape[] = [
  {
    name: "specimen target (fp32)",
    layers: 4,
    kvHeads: 4,
    headDim: 32,
    bytesPerElement: 4,
    source: "packages/model/checkpoints/target/config.json",
  },
  // num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 32, hidden_size 4096 → head_dim 128
  {
    name: "LLaMA-2 7B (fp16)",
    layers: 32,
    kvHeads: 32,
    headDim: 128,
    bytesPerElement: 2,
    source: "meta-llama/Llama-2-7b-hf config.json; Touvron et al. 2023, Table 1",
  },
  // num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 8, hidden_size 4096
  {
    name: "Llama 3 8B (bf16)",
    layers: 32,
    kvHeads: 8,
    headDim: 128,
    bytesPerElement: 2,
    source: "meta-llama/Meta-Llama-3-8B config.json",
  },
  // num_hidden_layers 36, num_attention_heads 32, num_key_value_heads 8, head_dim 128
  {
    name: "Qwen3 8B (bf16)",
    layers: 36,
    kvHeads: 8,
    headDim: 128,
    bytesPerElement: 2,
    source: "Qwen/Qwen3-8B config.json",
  },
];

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 100 || i === 0 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2)} ${units[i]}`;
}
