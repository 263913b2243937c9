// ONNX Runtime's com.microsoft.MatMulBnb4 as the independent reference for our
// NF4 codes and packing: a one-node graph built with @llm-labs/onnx.

import { GraphBuilder, f32, loadModel, runModel, type OrtModel } from "@llm-labs/onnx";

export function matMulBnb4Model(
  K: number,
  N: number,
  blockSize: number,
  packed: Uint8Array,
  absmax: Float32Array,
  M: number | string = "M",
): Uint8Array {
  return new GraphBuilder("matmul-bnb4")
    .input("A", "float32", [M, K])
    .initializer("B", { type: "uint8", data: packed, dims: [packed.length] })
    .initializer("absmax", { type: "float32", data: absmax, dims: [absmax.length] })
    .node(
      "MatMulBnb4",
      ["A", "B", "absmax"],
      ["Y"],
      { K, N, block_size: blockSize, quant_type: 1 },
      { domain: "com.microsoft" },
    )
    .output("Y", "float32", [M, N])
    .toModel({ opset: 21, extraOpsets: { "com.microsoft": 1 } });
}

// A float [M, K] × NF4 B ([N, K], packed) → [M, N].
export async function ortMatMulBnb4(
  a: Float32Array,
  M: number,
  K: number,
  N: number,
  blockSize: number,
  packed: Uint8Array,
  absmax: Float32Array,
): Promise<Float32Array> {
  const { Y } = await runModel(matMulBnb4Model(K, N, blockSize, packed, absmax), { A: f32(a, [M, K]) });
  return Float32Array.from(Y.data as Float32Array);
}

export const loadMatMulBnb4 = (
  K: number,
  N: number,
  blockSize: number,
  packed: Uint8Array,
  absmax: Float32Array,
): Promise<OrtModel> => loadModel(matMulBnb4Model(K, N, blockSize, packed, absmax));
