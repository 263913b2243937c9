// Running an exported checkpoint in ONNX Runtime (onnxruntime-node), the
// production engine, through @llm-labs/onnx's session wrapper.
//
// One call = one `session.run`: new tokens in, logits and the updated cache out.
// The caller keeps the cache between calls, exactly as transformers.js does:
// `present.{i}.key` of one step becomes `past_key_values.{i}.key` of the next.

import { readFileSync } from "node:fs";
import { argmax } from "@llm-labs/tensor";
import { loadModel, type Feeds, type OrtModel, type TensorData } from "@llm-labs/onnx";
import { headDim, type GPTConfig } from "./config.ts";
import type { LlamaConfig } from "./llama-config.ts";

// What the cache inputs look like: layers, key/value heads (a Llama's H_kv), head size.
function cacheShape(c: GPTConfig | LlamaConfig): { layers: number; heads: number; d: number } {
  return c.model_type === "llama"
    ? { layers: c.num_hidden_layers, heads: c.num_key_value_heads, d: c.head_dim }
    : { layers: c.n_layer, heads: c.n_head, d: headDim(c) };
}

// A GPT-2's or a Llama's exported graph (onnx-export.ts, llama-onnx.ts): the same inputs and outputs.
export class OrtGPT {
  private constructor(
    readonly config: GPTConfig | LlamaConfig,
    readonly session: OrtModel,
  ) {}

  static async load(
    config: GPTConfig | LlamaConfig,
    onnx: Uint8Array | string,
    intraOpThreads = 1,
  ): Promise<OrtGPT> {
    const bytes = typeof onnx === "string" ? new Uint8Array(readFileSync(onnx)) : onnx;
    return new OrtGPT(config, await loadModel(bytes, { intraOpThreads }));
  }

  emptyCache(batch: number): Record<string, TensorData> {
    const { layers, heads, d } = cacheShape(this.config);
    const past: Record<string, TensorData> = {};
    for (let i = 0; i < layers; i++) {
      for (const kv of ["key", "value"]) {
        past[`past_key_values.${i}.${kv}`] = {
          type: "float32",
          data: new Float32Array(0),
          dims: [batch, heads, 0, d],
        };
      }
    }
    return past;
  }

  // ids: [B, S] row-major; past: from emptyCache or the previous call's `cache`.
  async step(
    ids: readonly number[],
    B: number,
    past: Record<string, TensorData>,
  ): Promise<{ logits: Float32Array; cache: Record<string, TensorData> }> {
    const S = ids.length / B;
    const P = past["past_key_values.0.key"].dims[2];
    const feeds: Feeds = {
      input_ids: { type: "int64", data: BigInt64Array.from(ids, (v) => BigInt(v)), dims: [B, S] },
      attention_mask: { type: "int64", data: new BigInt64Array(B * (P + S)).fill(1n), dims: [B, P + S] },
      position_ids: {
        type: "int64",
        data: BigInt64Array.from({ length: B * S }, (_, i) => BigInt(P + (i % S))),
        dims: [B, S],
      },
      ...past,
    };
    const out = await this.session.run(feeds);
    const cache: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(out))
      if (name.startsWith("present.")) cache[name.replace("present.", "past_key_values.")] = t;
    return { logits: out.logits.data as Float32Array, cache };
  }

  async generateGreedy(prompt: readonly number[], maxNewTokens: number, stopAtEos = true): Promise<number[]> {
    const V = this.config.vocab_size;
    const eos = ([] as (number | null | undefined)[]).concat(this.config.eos_token_id);
    const out: number[] = [];
    let { logits, cache } = await this.step(prompt, 1, this.emptyCache(1));
    let S = prompt.length;
    for (;;) {
      const next = argmax(logits.subarray((S - 1) * V, S * V));
      out.push(next);
      if ((stopAtEos && eos.includes(next)) || out.length >= maxNewTokens) return out;
      ({ logits, cache } = await this.step([next], 1, cache));
      S = 1;
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
