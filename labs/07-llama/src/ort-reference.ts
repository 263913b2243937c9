// ONNX Runtime's own operators, as the independent reference for each piece. Every function
// builds a one-node graph (two for SwiGLU, which has no operator) with @llm-labs/onnx and
// runs it on the CPU execution provider.
//
//   RMSNorm  RMSNormalization (ONNX opset 23) and SimplifiedLayerNormalization (ORT's older
//            spelling, which its Llama exports still use)
//   RoPE     com.microsoft.RotaryEmbedding, interleaved = 0 (rotate-half) or 1
//   SwiGLU   MatMul → Sigmoid → Mul → Mul → MatMul
//   GQA      com.microsoft.GroupQueryAttention: past key/values in, present out, with or
//            without its own rotary (do_rotary)
// Operator reference: https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md

import { GraphBuilder, f32, i64, runModel, type TensorData } from "@llm-labs/onnx";

const values = (t: TensorData) => Float32Array.from(t.data as Float32Array);
const int32 = (data: number[], dims: number[]): TensorData => ({
  type: "int32",
  data: Int32Array.from(data),
  dims,
});

// x [rows, C], gamma [C] → y [rows, C]
export async function ortRmsNorm(
  x: Float32Array,
  gamma: Float32Array,
  rows: number,
  C: number,
  eps: number,
  op: "RMSNormalization" | "SimplifiedLayerNormalization" = "RMSNormalization",
): Promise<Float32Array> {
  const model = new GraphBuilder("rmsnorm")
    .input("X", "float32", [rows, C])
    .initializer("gamma", f32(gamma, [C]))
    .node(op, ["X", "gamma"], ["Y"], { axis: -1, epsilon: { float: eps } })
    .output("Y", "float32", [rows, C])
    .toModel({ opset: op === "RMSNormalization" ? 23 : 21 });
  return values((await runModel(model, { X: f32(x, [rows, C]) })).Y);
}

// cos(p·θ_i), sin(p·θ_i) for p = 0 … positions − 1: the [positions, d/2] caches RoPE operators read
function ropeCaches(positions: number, invFreq: ArrayLike<number>): { cos: TensorData; sin: TensorData } {
  const half = invFreq.length;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++)
    for (let i = 0; i < half; i++) {
      cos[p * half + i] = Math.cos(p * invFreq[i]);
      sin[p * half + i] = Math.sin(p * invFreq[i]);
    }
  return { cos: f32(cos, [positions, half]), sin: f32(sin, [positions, half]) };
}

// x [B, T, heads·d] at positions p0 … p0 + T − 1 → rotated x
export async function ortRotaryEmbedding(
  x: Float32Array,
  B: number,
  T: number,
  heads: number,
  d: number,
  p0: number,
  invFreq: ArrayLike<number>,
  interleaved: 0 | 1,
): Promise<Float32Array> {
  const { cos, sin } = ropeCaches(p0 + T, invFreq);
  const model = new GraphBuilder("rotary")
    .input("X", "float32", [B, T, heads * d])
    .input("P", "int64", [B, T])
    .initializer("cos", cos)
    .initializer("sin", sin)
    .node("RotaryEmbedding", ["X", "P", "cos", "sin"], ["Y"], { interleaved }, { domain: "com.microsoft" })
    .output("Y", "float32", [B, T, heads * d])
    .toModel({ extraOpsets: { "com.microsoft": 1 } });
  const P = i64(
    Array.from({ length: B * T }, (_, i) => p0 + (i % T)),
    [B, T],
  );
  return values((await runModel(model, { X: f32(x, [B, T, heads * d]), P })).Y);
}

// The SwiGLU MLP: x [rows, C] · (W_gate, W_up [C, I]) → silu(gate) ⊙ up → · W_down [I, C]
export async function ortSwigluMlp(
  x: Float32Array,
  Wg: Float32Array,
  Wu: Float32Array,
  Wd: Float32Array,
  rows: number,
  C: number,
  I: number,
): Promise<Float32Array> {
  const model = new GraphBuilder("swiglu-mlp")
    .input("X", "float32", [rows, C])
    .initializer("Wg", f32(Wg, [C, I]))
    .initializer("Wu", f32(Wu, [C, I]))
    .initializer("Wd", f32(Wd, [I, C]))
    .node("MatMul", ["X", "Wg"], ["gate"])
    .node("MatMul", ["X", "Wu"], ["up"])
    .node("Sigmoid", ["gate"], ["sig"])
    .node("Mul", ["gate", "sig"], ["swish"])
    .node("Mul", ["swish", "up"], ["h"])
    .node("MatMul", ["h", "Wd"], ["Y"])
    .output("Y", "float32", [rows, C])
    .toModel();
  return values((await runModel(model, { X: f32(x, [rows, C]) })).Y);
}

export interface GqaStep {
  y: Float32Array; // [B, S, H·d]
  presentKey: TensorData; // [B, H_kv, past + S, d]: the cache after this step
  presentValue: TensorData;
}

// One call of GroupQueryAttention: S new positions after `past` cached ones.
// q [B, S, H·d], k and v [B, S, H_kv·d]; pastKey/pastValue [B, H_kv, past, d] (past may be 0).
// With `rotary`, the operator rotates q and k itself (do_rotary = 1) before caching k.
export async function ortGroupQueryAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  past: { key: TensorData; value: TensorData } | null,
  B: number,
  S: number,
  H: number,
  Hkv: number,
  d: number,
  rotary?: { invFreq: ArrayLike<number>; interleaved: 0 | 1; positions: number },
): Promise<GqaStep> {
  const pastLen = past ? past.key.dims[2] : 0;
  const g = new GraphBuilder("gqa")
    .input("Q", "float32", [B, S, H * d])
    .input("K", "float32", [B, S, Hkv * d])
    .input("V", "float32", [B, S, Hkv * d])
    .input("past_key", "float32", [B, Hkv, pastLen, d])
    .input("past_value", "float32", [B, Hkv, pastLen, d])
    .input("seqlens_k", "int32", [B])
    .input("total", "int32", []);
  const inputs = ["Q", "K", "V", past ? "past_key" : "", past ? "past_value" : "", "seqlens_k", "total"];
  if (rotary) {
    const { cos, sin } = ropeCaches(rotary.positions, rotary.invFreq);
    g.initializer("cos", cos).initializer("sin", sin);
    inputs.push("cos", "sin");
  }
  const model = g
    .node(
      "GroupQueryAttention",
      inputs,
      ["Y", "present_key", "present_value"],
      {
        num_heads: H,
        kv_num_heads: Hkv,
        do_rotary: rotary ? 1 : 0,
        rotary_interleaved: rotary?.interleaved ?? 0,
      },
      { domain: "com.microsoft" },
    )
    .output("Y", "float32")
    .output("present_key", "float32")
    .output("present_value", "float32")
    .toModel({ extraOpsets: { "com.microsoft": 1 } });
  const empty = f32(new Float32Array(0), [B, Hkv, 0, d]);
  const out = await runModel(model, {
    Q: f32(q, [B, S, H * d]),
    K: f32(k, [B, S, Hkv * d]),
    V: f32(v, [B, S, Hkv * d]),
    past_key: past?.key ?? empty,
    past_value: past?.value ?? empty,
    // ORT's convention: each sequence's total length − 1, and the longest total
    seqlens_k: int32(Array(B).fill(pastLen + S - 1), [B]),
    total: int32([pastLen + S], []),
  });
  return { y: values(out.Y), presentKey: out.present_key, presentValue: out.present_value };
}
