// Running a checkpoint folder in transformers.js (@huggingface/transformers), an
// independent production implementation: its own config parsing, tokenizer,
// cache handling and generation loop around ONNX Runtime.
//
// With remote models off it looks for <localModelPath>/<name>/: config.json,
// generation_config.json, tokenizer.json, tokenizer_config.json and, for
// dtype "fp32" on the CPU, onnx/model.onnx (src/models/session.js: the file
// name gets no suffix for fp32; "_quantized", "_fp16", … for the others).

import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  pipeline,
  Tensor,
  type PreTrainedModel,
} from "@huggingface/transformers";

function useLocal(dir: string, files: string[] = ["config.json"]): string {
  // transformers.js's own message for a missing file is a TypeError deep inside it
  for (const f of files)
    if (!existsSync(join(dir, f))) throw new Error(`transformers.js: ${join(dir, f)} is missing`);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(resolve(dir)) + "/";
  return basename(resolve(dir));
}

export async function loadTransformersModel(dir: string): Promise<PreTrainedModel> {
  return AutoModelForCausalLM.from_pretrained(
    useLocal(dir, ["config.json", "generation_config.json", "onnx/model.onnx"]),
    { dtype: "fp32", device: "cpu" },
  );
}

export async function loadTransformersTokenizer(dir: string) {
  return AutoTokenizer.from_pretrained(useLocal(dir, ["tokenizer.json", "tokenizer_config.json"]));
}

export async function loadTextGeneration(dir: string) {
  return pipeline(
    "text-generation",
    useLocal(dir, ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]),
    { dtype: "fp32", device: "cpu" },
  );
}

const ids = (xs: readonly number[]) =>
  new Tensor(
    "int64",
    BigInt64Array.from(xs, (v) => BigInt(v)),
    [1, xs.length],
  );

// Logits [1, T, V] of one forward call on a prompt.
export async function transformersLogits(
  model: PreTrainedModel,
  prompt: readonly number[],
): Promise<Float32Array> {
  const out = await model({ input_ids: ids(prompt), attention_mask: ids(prompt.map(() => 1)) });
  return out.logits.data as Float32Array;
}

// Greedy generation by transformers.js's own loop (with its KV cache).
export async function transformersGreedy(
  model: PreTrainedModel,
  prompt: readonly number[],
  maxNewTokens: number,
): Promise<number[]> {
  const out = (await model.generate({
    inputs: ids(prompt),
    attention_mask: ids(prompt.map(() => 1)),
    max_new_tokens: maxNewTokens,
    do_sample: false,
  } as never)) as Tensor;
  return Array.from(out.data as BigInt64Array, Number).slice(prompt.length);
}
