// The whole INT4 specimen in ONNX Runtime: the exporter of packages/model writes
// the usual GPT-2 graph, except that each linear layer's x·W becomes one
// com.microsoft.MatMulNBits node whose B, scales and zero_points are OUR packed
// bytes (toMatMulNBits), unchanged. If our packing, nibble order or zero points
// were off by anything, ORT's logits would not match the TypeScript forward pass
// of the dequantized model (mapLinears + dequantizeInt4) — that is the test.
//
// MatMulNBits takes A of any rank with K last ([batch, seq, K] here) and gives
// [batch, seq, N]; the bias Add after it stays as the exporter writes it.

import { exportOnnx, mapLinears, type GPT } from "@llm-labs/model";
import { dequantizeInt4, toMatMulNBits, type Int4Weight } from "./int4.ts";

// weights: "layer.name" → its INT4 weight (every linear of every block).
export function exportInt4Onnx(model: GPT, weights: Map<string, Int4Weight>): Uint8Array {
  return exportOnnx(model, {
    extraOpsets: { "com.microsoft": 1 },
    linear: (g, { layer, name, input, output, K, N }) => {
      const w = weights.get(`${layer}.${name}`);
      if (!w) throw new Error(`exportInt4Onnx: no INT4 weight for ${layer}.${name}`);
      if (w.K !== K || w.N !== N)
        throw new Error(
          `exportInt4Onnx: ${layer}.${name} is [${K}, ${N}], the INT4 weight is [${w.K}, ${w.N}]`,
        );
      const { B, scales, zeroPoints } = toMatMulNBits(w);
      const nb = K / w.blockSize;
      const p = `h${layer}_${name}`;
      g.initializer(`${p}.B`, { type: "uint8", data: B, dims: [N, nb, w.blockSize / 2] });
      g.initializer(`${p}.scales`, { type: "float32", data: scales, dims: [N * nb] });
      g.initializer(`${p}.zero_points`, { type: "uint8", data: zeroPoints, dims: [zeroPoints.length] });
      g.node(
        "MatMulNBits",
        [input, `${p}.B`, `${p}.scales`, `${p}.zero_points`],
        [output],
        { K, N, bits: 4, block_size: w.blockSize },
        { domain: "com.microsoft" },
      );
      return true;
    },
  });
}

// The TypeScript side of the same model: every linear weight replaced by its dequantized INT4 copy.
export function dequantizedModel(model: GPT, weights: Map<string, Int4Weight>): GPT {
  return mapLinears(model, (_w, _IN, _OUT, key) => dequantizeInt4(weights.get(key)!));
}
