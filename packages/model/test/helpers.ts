// Test models: every parameter (biases and LayerNorm γ, β included) drawn from
// N(0, std²), so every tensor affects the output. GPT-2's init leaves biases at 0
// and γ at 1, which would let a bug in a bias or γ path go unnoticed.
import { Rng } from "@llm-labs/tensor";
import { makeConfig, type GPTConfig } from "../src/config.ts";
import { createGPT, type GPT } from "../src/gpt.ts";

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
