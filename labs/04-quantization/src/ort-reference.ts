// ONNX Runtime's quantization operators, as the independent reference for ours.
// Each is a one-node graph built with @llm-labs/onnx:
//   QuantizeLinear / DequantizeLinear (opset 21): per tensor, per axis, blocked;
//   MatMulInteger: int8 × int8 → int32, with zero points;
//   DynamicQuantizeLinear: float → uint8 with the scale and zero point it picks itself;
//   com.microsoft MatMulNBits: float A × packed 4-bit B (with scales, zero points).
// 4-bit types (int4/uint4) cannot cross onnxruntime-node's JavaScript boundary
// (see @llm-labs/onnx's graph.ts), so the 4-bit graphs keep them inside: the
// quantized output is Cast to int32 before it leaves, and the 4-bit input of
// DequantizeLinear is an initializer (packed by @llm-labs/onnx, two per byte).

import { GraphBuilder, f32, runModel } from "@llm-labs/onnx";
import type { Granularity } from "./granularity.ts";

type IntName = "int8" | "uint8" | "int4" | "uint4";
const typed = (t: IntName, v: ArrayLike<number>) =>
  t === "int8" || t === "int4" ? Int8Array.from(v) : Uint8Array.from(v);
const fourBit = (t: IntName) => t === "int4" || t === "uint4";

function scaleShape(R: number, C: number, g: Granularity): number[] {
  if (g.kind === "tensor") return [];
  if (g.kind === "axis") return [g.axis === 0 ? R : C];
  return g.axis === 0 ? [Math.ceil(R / g.blockSize), C] : [R, Math.ceil(C / g.blockSize)];
}
function attrs(g: Granularity): Record<string, number> {
  if (g.kind === "tensor") return {};
  if (g.kind === "axis") return { axis: g.axis };
  return { axis: g.axis, block_size: g.blockSize };
}

export async function ortQuantizeLinear(
  x: Float32Array,
  R: number,
  C: number,
  g: Granularity,
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  t: IntName,
): Promise<Int32Array> {
  const s = scaleShape(R, C, g);
  const b = new GraphBuilder("quantize-linear")
    .input("X", "float32", [R, C])
    .initializer("S", { type: "float32", data: Float32Array.from(scales), dims: s })
    .initializer("Z", { type: t, data: typed(t, zeroPoints), dims: s })
    .node("QuantizeLinear", ["X", "S", "Z"], [fourBit(t) ? "Q" : "Y"], attrs(g));
  if (fourBit(t)) b.node("Cast", ["Q"], ["Y"], { to: 6 }); // 6 = INT32
  const model = b.output("Y", fourBit(t) ? "int32" : t, [R, C]).toModel({ opset: 21 });
  const { Y } = await runModel(model, { X: f32(x, [R, C]) });
  return Int32Array.from(Y.data as ArrayLike<number>);
}

export async function ortDequantizeLinear(
  q: ArrayLike<number>,
  R: number,
  C: number,
  g: Granularity,
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  t: IntName,
): Promise<Float32Array> {
  const s = scaleShape(R, C, g);
  const b = new GraphBuilder("dequantize-linear");
  const X = { type: t, data: typed(t, q), dims: [R, C] };
  const S = { type: "float32" as const, data: Float32Array.from(scales), dims: s };
  // 4-bit: the integers are an initializer and the scales the graph's input
  if (fourBit(t)) b.initializer("X", X).input("S", "float32", s);
  else b.input("X", t, [R, C]).initializer("S", S);
  const model = b
    .initializer("Z", { type: t, data: typed(t, zeroPoints), dims: s })
    .node("DequantizeLinear", ["X", "S", "Z"], ["Y"], attrs(g))
    .output("Y", "float32", [R, C])
    .toModel({ opset: 21 });
  const { Y } = await runModel(model, fourBit(t) ? { S } : { X });
  return Float32Array.from(Y.data as Float32Array);
}

// DynamicQuantizeLinear: y (uint8), y_scale, y_zero_point, all chosen by ORT from x.
export async function ortDynamicQuantizeLinear(
  x: Float32Array,
): Promise<{ y: Uint8Array; scale: number; zeroPoint: number }> {
  const model = new GraphBuilder("dynamic-quantize-linear")
    .input("X", "float32", [x.length])
    .node("DynamicQuantizeLinear", ["X"], ["Y", "S", "Z"])
    .output("Y", "uint8", [x.length])
    .output("S", "float32", [])
    .output("Z", "uint8", [])
    .toModel({ opset: 21 });
  const { Y, S, Z } = await runModel(model, { X: f32(x) });
  return {
    y: Uint8Array.from(Y.data as Uint8Array),
    scale: (S.data as Float32Array)[0],
    zeroPoint: (Z.data as Uint8Array)[0],
  };
}

// A int8 [M, K] × B int8 [K, N] → int32 [M, N]; a_zero_point scalar, b_zero_point per column.
export async function ortMatMulInteger(
  a: Int8Array,
  b: Int8Array,
  M: number,
  K: number,
  N: number,
  aZero = 0,
  bZero?: Int8Array,
): Promise<Int32Array> {
  const g = new GraphBuilder("matmul-integer")
    .input("A", "int8", [M, K])
    .input("B", "int8", [K, N])
    .initializer("AZ", { type: "int8", data: Int8Array.from([aZero]), dims: [] })
    .initializer("BZ", { type: "int8", data: bZero ?? new Int8Array(N), dims: [N] })
    .node("MatMulInteger", ["A", "B", "AZ", "BZ"], ["Y"])
    .output("Y", "int32", [M, N]);
  const { Y } = await runModel(g.toModel({ opset: 21 }), {
    A: { type: "int8", data: a, dims: [M, K] },
    B: { type: "int8", data: b, dims: [K, N] },
  });
  return Int32Array.from(Y.data as Int32Array);
}

// A float [M, K] × B (packed, [N, nBlocks, blockSize·bits/8]) → [M, N].
export async function ortMatMulNBits(
  a: Float32Array,
  M: number,
  K: number,
  N: number,
  blockSize: number,
  packed: Uint8Array,
  scales: Float32Array,
  zeroPoints: Uint8Array,
  bits = 4,
): Promise<Float32Array> {
  const nb = Math.ceil(K / blockSize);
  const model = new GraphBuilder("matmul-nbits")
    .input("A", "float32", [M, K])
    .initializer("B", { type: "uint8", data: packed, dims: [N, nb, (blockSize * bits) / 8] })
    .initializer("S", { type: "float32", data: scales, dims: [N * nb] })
    .initializer("Z", { type: "uint8", data: zeroPoints, dims: [zeroPoints.length] })
    .node(
      "MatMulNBits",
      ["A", "B", "S", "Z"],
      ["Y"],
      { K, N, bits, block_size: blockSize },
      { domain: "com.microsoft" },
    )
    .output("Y", "float32", [M, N])
    .toModel({ opset: 21, extraOpsets: { "com.microsoft": 1 } });
  const { Y } = await runModel(model, { A: f32(a, [M, K]) });
  return Float32Array.from(Y.data as Float32Array);
}
