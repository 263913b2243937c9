// Test models: every parameter (biases and LayerNorm γ, β included) drawn from
// N(0, std²), so every tensor affects the output. GPT-2's init leaves biases at 0
// and γ at 1, which would let a bug in a bias or γ path go unnoticed.
import { UserError } from "@llm-labs/errors";
import { Rng } from "@llm-labs/tensor";
import { expect } from "vitest";
import { makeConfig, type GPTConfig } from "../src/config.ts";
import { createGPT, type GPT } from "../src/gpt.ts";
import type { TrainConfig } from "../src/train.ts";

export function randomModel(
  config: GPTConfig,
  seed: number,
  std = 0.3,
  dtype: "float32" | "float64" = "float32",
): GPT {
  const model = createGPT(config, seed, dtype);
  const rng = new Rng(seed + 1);
  const flat = model.params.flat;
  for (let i = 0; i < flat.length; i++) flat[i] = rng.normal(0, std);
  return model;
}

export const tinyConfig = makeConfig({ n_layer: 2, n_head: 4, n_embd: 16, n_positions: 32, vocab_size: 40 });

export { maxAbsDiff } from "@llm-labs/tensor";

// A small valid Llama config.json: D = 32, H = 4 query heads, H_kv = 2 KV heads, so
// d = 32 / 4 = 8 and k_proj maps 32 features to H_kv·d = 16; 50 token ids.
export const tinyLlamaJson = {
  model_type: "llama",
  vocab_size: 50,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  rope_theta: 10000,
  eos_token_id: 49,
};

// The training tests' setup: a tiny GPT and a stream with structure to learn, the
// sequence 0..31 over and over with 10% noise, and a short run of train()'s loop.
export const trainModelConfig = makeConfig({
  n_layer: 2,
  n_head: 2,
  n_embd: 16,
  n_positions: 16,
  vocab_size: 32,
});
const noise = new Rng(5);
export const trainStream = Uint16Array.from({ length: 4000 }, (_, i) =>
  noise.next() < 0.1 ? noise.int(32) : i % 32,
);
export const trainRun: TrainConfig = {
  seed: 42,
  batchSize: 2,
  seqLen: 16,
  accum: 2,
  steps: 6,
  maxLr: 1e-2,
  minLr: 1e-3,
  warmup: 2,
  weightDecay: 0.1,
  gradClip: 1,
};

// The message of the UserError that f throws, checked to be one line.
export function userError(f: () => unknown): string {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UserError);
  const msg = (caught as UserError).message;
  expect(msg).not.toMatch(/[\r\n]/);
  return msg;
}
