// ONNX Runtime's attention, as an independent reference for ours.
//
// Two operators, each a one-node graph built with @llm-labs/onnx:
//   - ONNX `Attention` (opset 23, standard): q_num_heads, kv_num_heads (so GQA and
//     MQA too), is_causal. Inputs [B, S, heads·d] in the 3-D form.
//   - `com.microsoft.MultiHeadAttention`, the contrib op ORT's transformer fusions
//     produce: num_heads, unidirectional (= causal).
// Both take Q, K, V already projected; they compute only softmax(QKᵀ/√d + M)·V
// per head, which is exactly what our attention functions do.

import { GraphBuilder, f32, runModel } from "@llm-labs/onnx";

// ONNX Attention (opset 23): q [T, Hq·d], k and v [T, Hkv·d] → [T, Hq·d], causal.
export async function ortAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  T: number,
  Hq: number,
  Hkv: number,
  d: number,
): Promise<Float32Array> {
  const model = new GraphBuilder("attention-opset23")
    .input("Q", "float32", [1, T, Hq * d])
    .input("K", "float32", [1, T, Hkv * d])
    .input("V", "float32", [1, T, Hkv * d])
    .node("Attention", ["Q", "K", "V"], ["Y"], { is_causal: 1, q_num_heads: Hq, kv_num_heads: Hkv })
    .output("Y", "float32", [1, T, Hq * d])
    .toModel({ opset: 23 });
  const { Y } = await runModel(model, {
    Q: f32(q, [1, T, Hq * d]),
    K: f32(k, [1, T, Hkv * d]),
    V: f32(v, [1, T, Hkv * d]),
  });
  return Float32Array.from(Y.data as Float32Array);
}

// com.microsoft MultiHeadAttention: q, k, v [T, H·d] → [T, H·d], causal.
export async function ortMultiHeadAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  T: number,
  H: number,
  d: number,
): Promise<Float32Array> {
  const C = H * d;
  const model = new GraphBuilder("ms-multi-head-attention")
    .input("Q", "float32", [1, T, C])
    .input("K", "float32", [1, T, C])
    .input("V", "float32", [1, T, C])
    .node(
      "MultiHeadAttention",
      ["Q", "K", "V"],
      ["Y"],
      { num_heads: H, unidirectional: 1 },
      { domain: "com.microsoft" },
    )
    .output("Y", "float32", [1, T, C])
    .toModel({ extraOpsets: { "com.microsoft": 1 } });
  const { Y } = await runModel(model, { Q: f32(q, [1, T, C]), K: f32(k, [1, T, C]), V: f32(v, [1, T, C]) });
  return Float32Array.from(Y.data as Float32Array);
}
