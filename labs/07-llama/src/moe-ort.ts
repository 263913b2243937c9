// ONNX Runtime's com.microsoft.MoE, as the independent reference for our MoE block.
// Operator reference: https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md
//
// Inputs (CPU kernel, onnxruntime/contrib_ops/cpu/moe/moe_cpu.cc):
//   input                 [N, D]
//   router_probs          [N, E]   despite the name, the router LOGITS: the op applies the softmax
//   fc1_experts_weights   [E, f·I, D]   f = 2 for fused SwiGLU, 1 otherwise
//   fc1_experts_bias      optional
//   fc2_experts_weights   [E, D, I]
// Attributes: k; activation_type ("relu", "gelu", "silu", "identity", "swiglu");
// normalize_routing_weights (1: divide the k kept probabilities by their sum, Mixtral's gates;
// 0: keep the raw softmax values, Switch's k = 1 gate); swiglu_fusion (the CPU kernel takes
// only 1: gate and up interleaved on each row, g₀ l₀ g₁ l₁ …); activation_alpha, activation_beta
// and swiglu_limit, for the SwiGLU variant G·σ(α·G)·(L + β) with clamping; α = 1, β = 0 and no
// limit is Mixtral's silu(g)·l.
//
// The weight layout is the trap. ORT stores each expert's matrices as [out, in] (PyTorch's
// nn.Linear layout, "column major" for x·W), while our block stores [in, out]. ORT also still
// accepts the older [E, D, f·I] / [E, I, D] shapes, and when D = I both layouts have the same
// shape, so a test with a square expert cannot tell them apart. test/moe.test.ts pins the
// layout on a hand-computed case with D ≠ I.
//
// Ties: ORT sorts (probability, index) pairs with std::greater, so of two experts with exactly
// equal logits it picks the HIGHER index; routerTopK picks the lower. Random inputs never tie.

import { type AttrValue, GraphBuilder, f32, runModel } from "@llm-labs/onnx";
import { type MoeWeights, routerLogits } from "./moe.ts";

export type OrtMoeLayout = "out-in" | "in-out";

// Our [E, D, I] gate/up and [E, I, D] down, rearranged the way ORT reads them.
//   "out-in" (the documented layout): fc1 [E, f·I, D], fc2 [E, D, I]
//   "in-out" (our own layout, kept to show what goes wrong): fc1 [E, D, f·I], fc2 [E, I, D]
export function ortMoeWeights(w: MoeWeights, layout: OrtMoeLayout) {
  const { D, I, E } = w;
  const f = w.activation === "swiglu" ? 2 : 1;
  const fc1 = new Float32Array(E * f * I * D);
  const fc2 = new Float32Array(E * D * I);
  for (let e = 0; e < E; e++)
    for (let d = 0; d < D; d++)
      for (let i = 0; i < I; i++) {
        const src = e * D * I + d * I + i;
        // fused SwiGLU row/column c = 2i holds the gate, c = 2i + 1 the up projection
        const cg = f * i;
        if (layout === "out-in") {
          fc1[e * f * I * D + cg * D + d] = w.Wg[src];
          if (f === 2 && w.Wu) fc1[e * f * I * D + (cg + 1) * D + d] = w.Wu[src];
          fc2[e * D * I + d * I + i] = w.Wd[e * I * D + i * D + d];
        } else {
          fc1[e * D * f * I + d * f * I + cg] = w.Wg[src];
          if (f === 2 && w.Wu) fc1[e * D * f * I + d * f * I + cg + 1] = w.Wu[src];
          fc2[e * I * D + i * D + d] = w.Wd[e * I * D + i * D + d];
        }
      }
  const fc1Dims = layout === "out-in" ? [E, f * I, D] : [E, D, f * I];
  const fc2Dims = layout === "out-in" ? [E, D, I] : [E, I, D];
  return { fc1: f32(fc1, fc1Dims), fc2: f32(fc2, fc2Dims) };
}

// x [N, D] → y [N, D] through com.microsoft.MoE with our weights (no capacity: ORT has none)
export async function ortMoe(
  x: Float32Array,
  w: MoeWeights,
  N: number,
  k: number,
  layout: OrtMoeLayout = "out-in",
): Promise<Float32Array> {
  const { D, E } = w;
  const { fc1, fc2 } = ortMoeWeights(w, layout);
  const swiglu = w.activation === "swiglu";
  const attrs: Record<string, AttrValue> = swiglu
    ? {
        k,
        activation_type: "swiglu",
        normalize_routing_weights: 1,
        swiglu_fusion: 1,
        activation_alpha: { float: 1 },
        activation_beta: { float: 0 },
      }
    : { k, activation_type: w.activation, normalize_routing_weights: 1 };
  const model = new GraphBuilder("moe")
    .input("X", "float32", [N, D])
    .input("router", "float32", [N, E])
    .initializer("fc1", fc1)
    .initializer("fc2", fc2)
    .node("MoE", ["X", "router", "fc1", "", "fc2"], ["Y"], attrs, { domain: "com.microsoft" })
    .output("Y", "float32", [N, D])
    .toModel({ extraOpsets: { "com.microsoft": 1 } });
  const out = await runModel(model, { X: f32(x, [N, D]), router: f32(routerLogits(x, w, N), [N, E]) });
  return Float32Array.from(out.Y.data as Float32Array);
}
