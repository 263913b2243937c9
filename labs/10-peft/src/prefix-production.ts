// A production check for prefixes: prefix tuning (Li & Liang 2021) and P-tuning v2
// (Liu et al. 2021) learn keys and values that sit in front of every layer's
// attention. To the model that is nothing new: it is a KV cache it never computed.
// So any engine that takes `past_key_values` runs a prefix-tuned model unchanged,
// with the prefix handed in as the past:
//
//   ours              KVCache holding the prefix at positions 0 … P-1, then forwardPass
//   ONNX Runtime      past_key_values.{l}.key/value [B, H, P, d], attention_mask [B, P+T]
//                     of ones, position_ids P … P+T-1
//   transformers.js   the same tensors in a DynamicCache as `past_key_values`; it makes
//                     position_ids itself, cumsum(attention_mask) - 1 cut to the last T
//
// The tokens sit at positions P … P+T-1 in all three: with a past, Hugging Face
// starts GPT-2's learned positions at the past length, and so does our forward.
//
// The prefix layout, shared with the rest of this lab: a Float32Array [L, 2, P, C],
// layer l, then 0 = keys / 1 = values, then position p, then C = H·d columns with
// head h in columns h·d … (h+1)·d. Layer l's keys, a [P, C] matrix, are exactly the
// `k` [B = 1, T = P, H·d] that KVStore.append takes.

import { DynamicCache, type PreTrainedModel, Tensor } from "@huggingface/transformers";
import { type GPTConfig, type OrtGPT, parseConfig } from "@llm-labs/model";
import type { TensorData } from "@llm-labs/onnx";
import { prefixCache } from "./prefix.ts";

// The prefix as the graph's past inputs, past_key_values.{l}.key/value [B, H, P, d]. A
// KVCache with capacity exactly P stores each layer in that very layout, so build one.
export function prefixPast(config: GPTConfig, prefix: Float32Array, P: number, B = 1) {
  const cache = prefixCache({ config }, prefix, P, B, 0);
  const { layers: L, heads: H, d } = cache;
  const past: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (let l = 0; l < L; l++) {
    past[`past_key_values.${l}.key`] = { data: cache.keys[l] as Float32Array, dims: [B, H, P, d] };
    past[`past_key_values.${l}.value`] = { data: cache.values[l] as Float32Array, dims: [B, H, P, d] };
  }
  return past;
}

// Logits [B·T, V] from ONNX Runtime: OrtGPT.step already sends attention_mask [B, P+T]
// of ones and position_ids P … P+T-1, reading P off the past's dims.
export async function ortLogitsWithPrefix(
  ort: OrtGPT,
  prefix: Float32Array,
  P: number,
  ids: readonly number[],
  B = 1,
): Promise<Float32Array> {
  if (ort.config.model_type === "llama")
    throw new Error("ortLogitsWithPrefix: a GPT-2 graph only, got a Llama");
  const past: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(prefixPast(ort.config, prefix, P, B)))
    past[name] = { type: "float32", ...t };
  return (await ort.step(ids, B, past)).logits;
}

// Logits [B·T, V] from transformers.js v4. Its decoder forward (src/models/modeling_utils.js,
// decoder_forward) copies the entries of `past_key_values` into the session's feeds by name
// and, when position_ids are not given, makes them from the attention mask: cumsum - 1 over
// past + new, keeping the last T, i.e. P … P+T-1. So the mask must cover the prefix too
// (a mask [B, T] would start the positions at 0; our graph refuses it, T against P + T keys).
// A DynamicCache is a plain record of those Tensors with get_seq_length(); generate() needs
// that method, the forward alone would take the bare record as well.
export async function transformersLogitsWithPrefix(
  model: PreTrainedModel,
  prefix: Float32Array,
  P: number,
  ids: readonly number[],
  B = 1,
): Promise<Float32Array> {
  const config = parseConfig(model.config, "transformers.js config");
  const T = ids.length / B;
  const entries: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(prefixPast(config, prefix, P, B)))
    entries[name] = new Tensor("float32", t.data, t.dims);
  const out = await model({
    input_ids: new Tensor(
      "int64",
      BigInt64Array.from(ids, (v) => BigInt(v)),
      [B, T],
    ),
    attention_mask: new Tensor("int64", new BigInt64Array(B * (P + T)).fill(1n), [B, P + T]),
    past_key_values: new DynamicCache(entries),
  });
  return out.logits.data as Float32Array;
}
