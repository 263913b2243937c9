// The same model in ONNX Runtime: the checkpoint's onnx/model.onnx, run through
// the model package's OrtGPT (inputs: input_ids, attention_mask, position_ids,
// past_key_values.{i}.{key,value}; outputs: logits, present.*). A GPT-2's and a
// Llama's exports have the same inputs; a Llama's past holds its H_kv heads.
//
// Why bother: at batch 1 a forward over γ+1 tokens should cost about as much as
// a forward over one, because the weights are read once either way. Our
// TypeScript matmuls do not have that property (their cost grows with the rows);
// ONNX Runtime's do, nearly, and that is what speculative decoding banks on.
//
// The cache is ORT's: each call returns present.{i}.{key,value} of shape
// [1, H, P + T, d], which we feed back as the next call's past. We do not own
// its memory layout, so rolling back means copying the first L positions of
// every head out of it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OrtGPT, namedCheckpoint, parseConfig, parseLlamaConfig } from "@llm-labs/model";
import type { TensorData } from "@llm-labs/onnx";
import { contextLength, type CachedLM, type LMConfig } from "./lm.ts";

type Past = Record<string, TensorData>;

// A past tensor [1, H, P, d] cut to its first L positions: [1, H, L, d].
// Head h's positions are the contiguous block h·P·d … (h+1)·P·d, so we keep the
// first L·d floats of each block.
export function keepPositions(t: TensorData, L: number): TensorData {
  const [B, H, P, d] = t.dims as [number, number, number, number];
  if (B !== 1) throw new Error(`keepPositions: batch 1 only, got a past of shape [${t.dims.join(", ")}]`);
  if (!(Number.isInteger(L) && L >= 0 && L <= P))
    throw new Error(`keepPositions: cannot keep ${L} of ${P} positions`);
  const src = t.data as Float32Array;
  const out = new Float32Array(H * L * d);
  // #region exercise ort-rollback
  for (let h = 0; h < H; h++) out.set(src.subarray(h * P * d, h * P * d + L * d), h * L * d);
  // #endregion
  return { type: "float32", data: out, dims: [1, H, L, d] };
}

export class OrtLM implements CachedLM {
  private past: Past;
  length = 0;
  calls = 0;
  private constructor(readonly runner: OrtGPT) {
    this.past = runner.emptyCache(1);
  }

  // One intra-op thread by default: the same single core our TypeScript gets.
  static async load(config: LMConfig, onnxPath: string, intraOpThreads = 1): Promise<OrtLM> {
    return new OrtLM(await OrtGPT.load(config, new Uint8Array(readFileSync(onnxPath)), intraOpThreads));
  }

  // A committed checkpoint by name ("target", "draft", "llama"); config.json's
  // model_type says which schema reads it.
  static async named(name: string, intraOpThreads = 1): Promise<OrtLM> {
    const dir = namedCheckpoint(name);
    const where = join(dir, "config.json");
    const json = JSON.parse(readFileSync(where, "utf8"));
    const config = json?.model_type === "llama" ? parseLlamaConfig(json, where) : parseConfig(json, where);
    return OrtLM.load(config, join(dir, "onnx", "model.onnx"), intraOpThreads);
  }

  get config(): LMConfig {
    return this.runner.config;
  }

  async forward(tokens: readonly number[]): Promise<Float32Array> {
    const context = contextLength(this.config);
    if (this.length + tokens.length > context) {
      throw new Error(
        `OrtLM: ${this.length} cached + ${tokens.length} new positions exceed the context (${context})`,
      );
    }
    this.calls++;
    const { logits, cache } = await this.runner.step(tokens, 1, this.past);
    this.past = cache;
    this.length += tokens.length;
    return logits;
  }

  rollback(length: number): void {
    if (length >= this.length) return;
    if (length === 0) this.past = this.runner.emptyCache(1);
    else for (const name of Object.keys(this.past)) this.past[name] = keepPositions(this.past[name], length);
    this.length = length;
  }

  release(): Promise<void> {
    return this.runner.release();
  }
}
