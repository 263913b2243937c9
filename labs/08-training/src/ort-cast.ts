// ONNX Runtime's Cast, the independent reference for src/formats.ts.
//
//   float32 → float16   Cast(to = FLOAT16); onnxruntime-node hands float16 tensors over as
//                       their raw bit patterns (Uint16Array), so we compare bits directly.
//   float32 → bfloat16  Cast(to = BFLOAT16) then Cast(to = FLOAT): onnxruntime-node 1.30 has
//                       no bfloat16 tensor type in JavaScript, so the value comes back as a
//                       float32 whose low 16 bits are 0 and whose top 16 bits ARE the bf16.
// Graph optimizations are off, so that ORT cannot fold or fuse the Cast pair away.
//
// One quirk, found by the tests: for NaN, ORT's float16 payload depends on the element's
// position (its 8-wide F16C path keeps the payload's top bits, the scalar loop for the last
// n mod 8 elements writes 0x7e00), so a NaN is compared as "NaN", not by its bits.

import { f32, GraphBuilder, runModel } from "@llm-labs/onnx";

const FLOAT = 1;
const FLOAT16 = 10;
const BFLOAT16 = 16;

// x [n] → fp16 bit patterns [n], by ORT
export async function ortCastFp16Bits(x: Float32Array): Promise<Uint16Array> {
  const model = new GraphBuilder("cast-fp16")
    .input("X", "float32", [x.length])
    .node("Cast", ["X"], ["Y"], { to: FLOAT16 })
    .output("Y", "float16", [x.length])
    .toModel();
  const { Y } = await runModel(model, { X: f32(x, [x.length]) }, { graphOptimization: "disabled" });
  return Uint16Array.from(Y.data as Uint16Array);
}

// x [n] → bf16 bit patterns [n], by ORT (through float32, see above)
export async function ortCastBf16Bits(x: Float32Array): Promise<Uint16Array> {
  const model = new GraphBuilder("cast-bf16")
    .input("X", "float32", [x.length])
    .node("Cast", ["X"], ["H"], { to: BFLOAT16 })
    .node("Cast", ["H"], ["Y"], { to: FLOAT })
    .output("Y", "float32", [x.length])
    .toModel();
  const { Y } = await runModel(model, { X: f32(x, [x.length]) }, { graphOptimization: "disabled" });
  const bits = new Uint32Array(Float32Array.from(Y.data as Float32Array).buffer);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = bits[i] >>> 16;
  return out;
}

// fp16 bit patterns [n] → their float32 values [n], by ORT's Cast(to = FLOAT)
export async function ortFp16ToFloat(bits: Uint16Array): Promise<Float32Array> {
  const model = new GraphBuilder("cast-from-fp16")
    .input("X", "float16", [bits.length])
    .node("Cast", ["X"], ["Y"], { to: FLOAT })
    .output("Y", "float32", [bits.length])
    .toModel();
  const X = { type: "float16" as const, data: bits, dims: [bits.length] };
  const { Y } = await runModel(model, { X }, { graphOptimization: "disabled" });
  return Float32Array.from(Y.data as Float32Array);
}
