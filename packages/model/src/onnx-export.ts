// Export to ONNX: the same GPT-2, as a graph of standard ONNX operators, with the
// inputs and outputs Hugging Face's exporter (optimum) gives decoder models, so
// onnxruntime-node and transformers.js can both run it:
//
//   inputs   input_ids                   int64   [batch_size, sequence_length]
//            attention_mask              int64   [batch_size, total_sequence_length]   (past + new; 1 = attend)
//            position_ids                int64   [batch_size, sequence_length]
//            past_key_values.{i}.key     float32 [batch_size, n_head, past_sequence_length, head_dim]
//            past_key_values.{i}.value   float32 (same)
//   outputs  logits                      float32 [batch_size, sequence_length, vocab_size]
//            present.{i}.key / .value    float32 [batch_size, n_head, total_sequence_length, head_dim]
//
// transformers.js (src/models/modeling_utils.js) fills an empty cache by reading
// these input shapes: a dimension named "batch_size" becomes the batch, numbers
// are used as they are, any other name becomes 0. So n_head and head_dim are
// static and the batch axis is called exactly "batch_size". It renames every
// output starting with "present" to "past_key_values" for the next step, and
// builds position_ids as cumsum(attention_mask) - 1 when the graph asks for them.
//
// Operators (https://onnx.ai/onnx/operators/), default opset 21:
// Gather (embeddings), LayerNormalization (opset 17), MatMul/Add (Conv1D),
// Split/Reshape/Transpose (heads), Concat (append to the cache), Softmax,
// Where (the mask), Gelu with approximate="tanh" (opset 20), Shape/Range/
// GreaterOrEqual/And/Cast (the causal mask, built at run time for any past length).

import { GraphBuilder, f32, i64 } from "@llm-labs/onnx";
import { headDim } from "./config.ts";
import type { GPT } from "./gpt.ts";
import { viewParams } from "./params.ts";

// The most negative float32: what Hugging Face uses for masked scores
// (torch.finfo(float32).min). Unlike -inf, a row that is masked everywhere (a
// padding position) gives a uniform softmax instead of NaN.
const FLOAT32_MIN = -3.4028234663852886e38;

// One linear layer (Conv1D, y = x·W + b) as the exporter is about to write it.
export interface LinearNode {
  layer: number;
  name: "c_attn" | "attn_c_proj" | "c_fc" | "mlp_c_proj";
  input: string; // the graph value holding x, [batch, seq, K]
  output: string; // the value the hook must produce: x·W, [batch, seq, N] (the bias Add follows)
  K: number; // in
  N: number; // out
}

export interface ExportOptions {
  // Optional: write your own nodes for a linear layer's x·W (a quantized kernel,
  // e.g. com.microsoft.MatMulNBits). Return true if you wrote nodes producing
  // `output` (the float W is then left out of the file), false for the default MatMul.
  linear?: (g: GraphBuilder, node: LinearNode) => boolean;
  // Operator sets the hook's nodes need besides the default one, e.g. { "com.microsoft": 1 }.
  extraOpsets?: Record<string, number>;
}

export function exportOnnx(model: GPT, opts: ExportOptions = {}): Uint8Array {
  const c = model.config;
  const D = c.n_embd;
  const H = c.n_head;
  const hs = headDim(c);
  const V = c.vocab_size;
  const eps = c.layer_norm_epsilon;
  const W = viewParams(c, model.params.flat).byName;
  const g = new GraphBuilder("gpt2");
  const weight = (name: string, dims: number[]) => {
    g.initializer(name, f32(W.get(name)!, dims));
    return name;
  };
  // x·W for block i's linear `name` (weight `wname`, [K, N]) into `output`
  const matmul = (
    i: number,
    name: LinearNode["name"],
    wname: string,
    input: string,
    output: string,
    K: number,
    N: number,
  ) => {
    if (opts.linear?.(g, { layer: i, name, input, output, K, N })) return;
    g.node("MatMul", [input, weight(wname, [K, N])], [output]);
  };

  g.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  g.input("attention_mask", "int64", ["batch_size", "total_sequence_length"]);
  g.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  for (let i = 0; i < c.n_layer; i++) {
    for (const kv of ["key", "value"])
      g.input(`past_key_values.${i}.${kv}`, "float32", ["batch_size", H, "past_sequence_length", hs]);
  }

  // constants
  g.initializer("split_qkv", i64([D, D, D]));
  g.initializer("heads_shape", i64([0, 0, H, hs])); // Reshape: 0 copies that input dimension
  g.initializer("merge_shape", i64([0, 0, D]));
  g.initializer("attn_scale", f32([1 / Math.sqrt(hs)], []));
  g.initializer("mask_value", f32([FLOAT32_MIN], []));

  // embeddings: x = wte[input_ids] + wpe[position_ids]
  weight("transformer.wte.weight", [V, D]);
  weight("transformer.wpe.weight", [c.n_positions, D]);
  g.node("Gather", ["transformer.wte.weight", "input_ids"], ["tok_emb"], { axis: 0 });
  g.node("Gather", ["transformer.wpe.weight", "position_ids"], ["pos_emb"], { axis: 0 });
  g.node("Add", ["tok_emb", "pos_emb"], ["x_0"]);

  causalMask(g); // "allowed", [batch, 1, seq, past + seq]

  let x = "x_0";
  for (let i = 0; i < c.n_layer; i++) {
    const p = `transformer.h.${i}.`;
    const n = (s: string) => `h${i}_${s}`;
    // attention sublayer: x = x + c_proj(attn(ln_1(x)))
    g.node(
      "LayerNormalization",
      [x, weight(p + "ln_1.weight", [D]), weight(p + "ln_1.bias", [D])],
      [n("ln1")],
      { axis: -1, epsilon: { float: eps } },
    );
    matmul(i, "c_attn", p + "attn.c_attn.weight", n("ln1"), n("qkv_mm"), D, 3 * D);
    g.node("Add", [n("qkv_mm"), weight(p + "attn.c_attn.bias", [3 * D])], [n("qkv")]);
    g.node("Split", [n("qkv"), "split_qkv"], [n("q"), n("k"), n("v")], { axis: -1 });
    for (const t of ["q", "k", "v"]) {
      g.node("Reshape", [n(t), "heads_shape"], [n(t + "_bshd")]);
      g.node("Transpose", [n(t + "_bshd")], [n(t + "_bhsd")], { perm: [0, 2, 1, 3] });
    }
    g.node("Concat", [`past_key_values.${i}.key`, n("k_bhsd")], [`present.${i}.key`], { axis: 2 });
    g.node("Concat", [`past_key_values.${i}.value`, n("v_bhsd")], [`present.${i}.value`], { axis: 2 });
    g.node("Transpose", [`present.${i}.key`], [n("k_t")], { perm: [0, 1, 3, 2] });
    g.node("MatMul", [n("q_bhsd"), n("k_t")], [n("scores_raw")]);
    g.node("Mul", [n("scores_raw"), "attn_scale"], [n("scores")]);
    g.node("Where", ["allowed", n("scores"), "mask_value"], [n("scores_masked")]);
    g.node("Softmax", [n("scores_masked")], [n("probs")], { axis: -1 });
    g.node("MatMul", [n("probs"), `present.${i}.value`], [n("y_bhsd")]);
    g.node("Transpose", [n("y_bhsd")], [n("y_bshd")], { perm: [0, 2, 1, 3] });
    g.node("Reshape", [n("y_bshd"), "merge_shape"], [n("y")]);
    matmul(i, "attn_c_proj", p + "attn.c_proj.weight", n("y"), n("attn_mm"), D, D);
    g.node("Add", [n("attn_mm"), weight(p + "attn.c_proj.bias", [D])], [n("attn_out")]);
    g.node("Add", [x, n("attn_out")], [n("res2")]);
    // MLP sublayer: x = x + mlp.c_proj(gelu(mlp.c_fc(ln_2(x))))
    g.node(
      "LayerNormalization",
      [n("res2"), weight(p + "ln_2.weight", [D]), weight(p + "ln_2.bias", [D])],
      [n("ln2")],
      { axis: -1, epsilon: { float: eps } },
    );
    matmul(i, "c_fc", p + "mlp.c_fc.weight", n("ln2"), n("fc_mm"), D, 4 * D);
    g.node("Add", [n("fc_mm"), weight(p + "mlp.c_fc.bias", [4 * D])], [n("fc")]);
    g.node("Gelu", [n("fc")], [n("fc_gelu")], { approximate: "tanh" });
    matmul(i, "mlp_c_proj", p + "mlp.c_proj.weight", n("fc_gelu"), n("mlp_mm"), 4 * D, D);
    g.node("Add", [n("mlp_mm"), weight(p + "mlp.c_proj.bias", [D])], [n("mlp_out")]);
    g.node("Add", [n("res2"), n("mlp_out")], [n("res3")]);
    x = n("res3");
  }

  // final LayerNorm and the tied LM head: logits = ln_f(x) · wteᵀ (the transpose
  // is a node, not a second copy of wte in the file; ORT folds it at load time)
  g.node(
    "LayerNormalization",
    [x, weight("transformer.ln_f.weight", [D]), weight("transformer.ln_f.bias", [D])],
    ["ln_f"],
    { axis: -1, epsilon: { float: eps } },
  );
  g.node("Transpose", ["transformer.wte.weight"], ["lm_head"], { perm: [1, 0] });
  g.node("MatMul", ["ln_f", "lm_head"], ["logits"]);

  g.output("logits", "float32", ["batch_size", "sequence_length", V]);
  for (let i = 0; i < c.n_layer; i++) {
    for (const kv of ["key", "value"])
      g.output(`present.${i}.${kv}`, "float32", ["batch_size", H, "total_sequence_length", hs]);
  }
  return g.toModel({ opset: 21, extraOpsets: opts.extraOpsets, producerName: "llm-labs packages/model" });
}

// The mask, "allowed" [batch, 1, seq, past + seq]: query q (absolute position past + q) may
// see key k when k ≤ past + q (causal) and attention_mask[b, k] = 1 (not padding). Built at
// run time from the shapes of input_ids and past_key_values.0.key, so one graph serves every
// past length. Shared by the GPT-2 and the Llama graphs (llama-onnx.ts).
export function causalMask(g: GraphBuilder): void {
  g.initializer("const_0", i64([0], []));
  g.initializer("const_1", i64([1], []));
  g.initializer("axes_0", i64([0]));
  g.initializer("axes_1", i64([1]));
  g.initializer("axes_12", i64([1, 2]));
  g.node("Shape", ["past_key_values.0.key"], ["past_len_1d"], { start: 2, end: 3 });
  g.node("Shape", ["input_ids"], ["seq_len_1d"], { start: 1, end: 2 });
  g.node("Squeeze", ["past_len_1d", "axes_0"], ["past_len"]);
  g.node("Squeeze", ["seq_len_1d", "axes_0"], ["seq_len"]);
  g.node("Add", ["past_len", "seq_len"], ["total_len"]);
  g.node("Range", ["past_len", "total_len", "const_1"], ["query_pos"]);
  g.node("Range", ["const_0", "total_len", "const_1"], ["key_pos"]);
  g.node("Unsqueeze", ["query_pos", "axes_1"], ["query_pos_col"]);
  g.node("Unsqueeze", ["key_pos", "axes_0"], ["key_pos_row"]);
  g.node("GreaterOrEqual", ["query_pos_col", "key_pos_row"], ["causal"]); // [seq, total]
  g.node("Cast", ["attention_mask"], ["mask_bool"], { to: 9 }); // 9 = BOOL
  g.node("Unsqueeze", ["mask_bool", "axes_12"], ["mask_b11l"]); // [batch, 1, 1, total]
  g.node("And", ["causal", "mask_b11l"], ["allowed"]); // [batch, 1, seq, total]
}
