// The Llama specimen as an ONNX graph of standard operators, with the decoder inputs and
// outputs of onnx-export.ts (the ones transformers.js feeds), so onnxruntime-node and
// transformers.js (model_type "llama") run the same folder:
//
//   inputs   input_ids, attention_mask, position_ids            int64
//            past_key_values.{i}.key / .value  float32 [batch_size, H_kv, past_sequence_length, d]
//   outputs  logits [batch_size, sequence_length, V]; present.{i}.key / .value
//
// What differs from the GPT-2 graph is what differs in the block:
//   RMSNorm   x · 1/sqrt(ReduceMean(x²) + ε) · γ              (primitives: every runtime has them)
//   RoPE      angles = position_ids · inv_freq in float32, as Hugging Face computes them;
//             x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁] (the rotate-half layout)
//   cache     present.{i}.key holds keys AFTER the rotation: each key's angle is its own position's
//   GQA       the H query heads are regrouped as [B, H_kv, g·S, d] (head h = kv·g + j), so one
//             MatMul against the H_kv key heads serves a whole group without copying K or V
//   SwiGLU    (gate · Sigmoid(gate)) · up, then down_proj
// Weights are the course's [in, out] layout, so every linear is MatMul(x, W).

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GraphBuilder, f32, i64 } from "@llm-labs/onnx";
import type { Llama, LlamaLinearName } from "./llama-params.ts";
import { llamaLinearName, viewLlamaParams } from "./llama-params.ts";
import { causalMask } from "./onnx-export.ts";
import type { Floats } from "./params.ts";
import { ropeFrequencies } from "./rope-scaling.ts";

const FLOAT32_MIN = -3.4028234663852886e38; // masked scores, as Hugging Face (see onnx-export.ts)

export function exportLlamaOnnx(model: Llama): Uint8Array {
  const c = model.config;
  const D = c.hidden_size;
  const H = c.num_attention_heads;
  const Hkv = c.num_key_value_heads;
  const d = c.head_dim;
  const V = c.vocab_size;
  const I = c.intermediate_size;
  const W = viewLlamaParams(c, model.params.flat).byName;
  const g = new GraphBuilder("llama");
  const weight = (name: string, dims: number[]) => {
    g.initializer(name, f32(W.get(name) as Floats, dims));
    return name;
  };

  g.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  g.input("attention_mask", "int64", ["batch_size", "total_sequence_length"]);
  g.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  for (let i = 0; i < c.num_hidden_layers; i++)
    for (const kv of ["key", "value"])
      g.input(`past_key_values.${i}.${kv}`, "float32", ["batch_size", Hkv, "past_sequence_length", d]);

  g.initializer("axes_last", i64([-1]));
  g.initializer("rms_eps", f32([c.rms_norm_eps], []));
  g.initializer("attn_scale", f32([1 / Math.sqrt(d)], []));
  g.initializer("mask_value", f32([FLOAT32_MIN], []));
  g.initializer("q_shape", i64([0, 0, H, d])); // Reshape: 0 copies that dimension
  g.initializer("kv_shape", i64([0, 0, Hkv, d]));
  g.initializer("grouped", i64([0, Hkv, -1, 0])); // [B, H, S, x] ⇄ [B, H_kv, g·S, x]
  g.initializer("ungrouped", i64([0, H, -1, 0]));
  g.initializer("merge_shape", i64([0, 0, H * d]));
  g.initializer("half_split", i64([d / 2, d / 2]));
  // RoPE's θ_i, float32 as HF's inv_freq buffer (ropeFrequencies: the same the TS forward uses;
  // "dynamic" scaling, which changes with the sequence length, is exported at the full context)
  const { invFreq, attentionScaling } = ropeFrequencies(c, c.max_position_embeddings);
  g.initializer("inv_freq", f32(Float32Array.from(invFreq), [d / 2]));
  g.initializer("rope_scale", f32([attentionScaling], []));

  // RMSNorm(x)·γ into `out`
  const rmsNorm = (x: string, gamma: string, out: string) => {
    g.node("Mul", [x, x], [`${out}_sq`]);
    g.node("ReduceMean", [`${out}_sq`, "axes_last"], [`${out}_ms`], { keepdims: 1 });
    g.node("Add", [`${out}_ms`, "rms_eps"], [`${out}_mse`]);
    g.node("Sqrt", [`${out}_mse`], [`${out}_rms`]);
    g.node("Div", [x, `${out}_rms`], [`${out}_hat`]);
    g.node("Mul", [`${out}_hat`, weight(gamma, [D])], [out]);
  };

  weight("model.embed_tokens.weight", [V, D]);
  g.node("Gather", ["model.embed_tokens.weight", "input_ids"], ["x_0"], { axis: 0 });
  causalMask(g); // "allowed", [batch, 1, seq, past + seq]; defines axes_1 among others

  // cos, sin [batch, 1, seq, d] for the new positions (the same for every layer and head)
  g.node("Cast", ["position_ids"], ["pos_f"], { to: 1 }); // 1 = FLOAT
  g.node("Unsqueeze", ["pos_f", "axes_last"], ["pos_col"]); // [B, S, 1]
  g.node("Mul", ["pos_col", "inv_freq"], ["freqs"]); // [B, S, d/2]: p·θ_i, in float32
  g.node("Concat", ["freqs", "freqs"], ["angles"], { axis: -1 }); // [B, S, d]: pair i at i and i + d/2
  g.node("Cos", ["angles"], ["cos_raw"]);
  g.node("Sin", ["angles"], ["sin_raw"]);
  g.node("Mul", ["cos_raw", "rope_scale"], ["cos_s"]);
  g.node("Mul", ["sin_raw", "rope_scale"], ["sin_s"]);
  g.node("Unsqueeze", ["cos_s", "axes_1"], ["cos"]); // broadcast over heads
  g.node("Unsqueeze", ["sin_s", "axes_1"], ["sin"]);
  // x·cos + rotate_half(x)·sin on [B, heads, S, d]
  const rope = (x: string, out: string) => {
    g.node("Split", [x, "half_split"], [`${out}_x1`, `${out}_x2`], { axis: -1 });
    g.node("Neg", [`${out}_x2`], [`${out}_nx2`]);
    g.node("Concat", [`${out}_nx2`, `${out}_x1`], [`${out}_rot`], { axis: -1 });
    g.node("Mul", [x, "cos"], [`${out}_c`]);
    g.node("Mul", [`${out}_rot`, "sin"], [`${out}_s`]);
    g.node("Add", [`${out}_c`, `${out}_s`], [out]);
  };

  let x = "x_0";
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const n = (s: string) => `l${i}_${s}`;
    const lin = (input: string, name: LlamaLinearName, K: number, N: number, out: string) =>
      g.node("MatMul", [input, weight(llamaLinearName(i, name), [K, N])], [out]);
    rmsNorm(x, `model.layers.${i}.input_layernorm.weight`, n("xn1"));
    lin(n("xn1"), "q_proj", D, H * d, n("q"));
    lin(n("xn1"), "k_proj", D, Hkv * d, n("k"));
    lin(n("xn1"), "v_proj", D, Hkv * d, n("v"));
    for (const [t, shape] of [
      ["q", "q_shape"],
      ["k", "kv_shape"],
      ["v", "kv_shape"],
    ] as const) {
      g.node("Reshape", [n(t), shape], [n(`${t}_bshd`)]);
      g.node("Transpose", [n(`${t}_bshd`)], [n(`${t}_bhsd`)], { perm: [0, 2, 1, 3] });
    }
    rope(n("q_bhsd"), n("q_rot"));
    rope(n("k_bhsd"), n("k_rot"));
    g.node("Concat", [`past_key_values.${i}.key`, n("k_rot")], [`present.${i}.key`], { axis: 2 });
    g.node("Concat", [`past_key_values.${i}.value`, n("v_bhsd")], [`present.${i}.value`], { axis: 2 });
    // scores [B, H, S, total], computed group by group
    g.node("Reshape", [n("q_rot"), "grouped"], [n("q_grp")]); // [B, H_kv, g·S, d]
    g.node("Transpose", [`present.${i}.key`], [n("k_t")], { perm: [0, 1, 3, 2] });
    g.node("MatMul", [n("q_grp"), n("k_t")], [n("scores_grp")]); // [B, H_kv, g·S, total]
    g.node("Reshape", [n("scores_grp"), "ungrouped"], [n("scores_raw")]); // [B, H, S, total]
    g.node("Mul", [n("scores_raw"), "attn_scale"], [n("scores")]);
    g.node("Where", ["allowed", n("scores"), "mask_value"], [n("scores_masked")]);
    g.node("Softmax", [n("scores_masked")], [n("probs")], { axis: -1 });
    g.node("Reshape", [n("probs"), "grouped"], [n("probs_grp")]);
    g.node("MatMul", [n("probs_grp"), `present.${i}.value`], [n("y_grp")]); // [B, H_kv, g·S, d]
    g.node("Reshape", [n("y_grp"), "ungrouped"], [n("y_bhsd")]);
    g.node("Transpose", [n("y_bhsd")], [n("y_bshd")], { perm: [0, 2, 1, 3] });
    g.node("Reshape", [n("y_bshd"), "merge_shape"], [n("y")]);
    lin(n("y"), "o_proj", H * d, D, n("attn_out"));
    g.node("Add", [x, n("attn_out")], [n("res2")]);
    // SwiGLU MLP
    rmsNorm(n("res2"), `model.layers.${i}.post_attention_layernorm.weight`, n("xn2"));
    lin(n("xn2"), "gate_proj", D, I, n("gate"));
    lin(n("xn2"), "up_proj", D, I, n("up"));
    g.node("Sigmoid", [n("gate")], [n("gate_sig")]);
    g.node("Mul", [n("gate"), n("gate_sig")], [n("gate_silu")]);
    g.node("Mul", [n("gate_silu"), n("up")], [n("h")]);
    lin(n("h"), "down_proj", I, D, n("mlp_out"));
    g.node("Add", [n("res2"), n("mlp_out")], [n("res3")]);
    x = n("res3");
  }

  rmsNorm(x, "model.norm.weight", "xnf");
  const head = c.tie_word_embeddings ? "model.embed_tokens.weight" : weight("lm_head.weight", [V, D]);
  g.node("Transpose", [head], ["lm_head"], { perm: [1, 0] });
  g.node("MatMul", ["xnf", "lm_head"], ["logits"]);

  g.output("logits", "float32", ["batch_size", "sequence_length", V]);
  for (let i = 0; i < c.num_hidden_layers; i++)
    for (const kv of ["key", "value"])
      g.output(`present.${i}.${kv}`, "float32", ["batch_size", Hkv, "total_sequence_length", d]);
  return g.toModel({ opset: 21, producerName: "llm-labs packages/model" });
}

// onnx/model.onnx, the file transformers.js loads for dtype "fp32".
export function saveLlamaOnnx(dir: string, model: Llama): string {
  const path = join(dir, "onnx", "model.onnx");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, exportLlamaOnnx(model));
  return path;
}
