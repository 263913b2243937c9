// Granularity: how many values share one (scale, zero point).
//
// A 2-D tensor x[R, C] (a Conv1D weight: R = in, C = out) can be quantized
//   per tensor   one scale for all R·C values: one outlier stretches everyone's grid;
//   per channel  one scale per row (axis 0) or per column (axis 1): ONNX "per-axis";
//   per group    one scale per block of B consecutive values along an axis
//                (ONNX opset 21 "blocked", MatMulNBits' block_size): g128, g32, …
// Finer groups track the local range better (less error) and cost more bytes
// for scales. The index of the scale that x[i, j] uses is exactly ONNX's layout:
//   per-axis, axis 0 → i;   axis 1 → j
//   blocked,  axis 0 → floor(i / B) · C + j        (scale shape [ceil(R/B), C])
//             axis 1 → i · ceil(C/B) + floor(j / B) (scale shape [R, ceil(C/B)])

import { affineParams, checkFinite, quantizeValue, symmetricParams, type IntType } from "./quantize.ts";

export type Granularity =
  | { kind: "tensor" }
  | { kind: "axis"; axis: 0 | 1 }
  | { kind: "block"; axis: 0 | 1; blockSize: number };

export function numGroups(R: number, C: number, g: Granularity): number {
  if (g.kind === "tensor") return 1;
  if (g.kind === "axis") return g.axis === 0 ? R : C;
  return g.axis === 0 ? Math.ceil(R / g.blockSize) * C : R * Math.ceil(C / g.blockSize);
}

export function groupIndex(i: number, j: number, R: number, C: number, g: Granularity): number {
  // #region exercise group-index
  if (g.kind === "tensor") return 0;
  if (g.kind === "axis") return g.axis === 0 ? i : j;
  if (g.axis === 0) return Math.floor(i / g.blockSize) * C + j;
  return i * Math.ceil(C / g.blockSize) + Math.floor(j / g.blockSize);
  // #endregion
}

export interface QTensor {
  q: Int32Array; // integers on the grid, [R, C]
  scales: Float32Array; // one per group
  zeroPoints: Int32Array; // one per group
  R: number;
  C: number;
  g: Granularity;
  type: IntType;
}

export function quantizeTensor(
  x: ArrayLike<number>,
  R: number,
  C: number,
  g: Granularity,
  type: IntType,
  symmetric = false,
): QTensor {
  if (x.length !== R * C) throw new Error(`quantizeTensor: ${x.length} values for shape [${R}, ${C}]`);
  if (g.kind === "block" && (!Number.isInteger(g.blockSize) || g.blockSize < 1))
    throw new Error(`block size must be a positive integer, got ${g.blockSize}`);
  checkFinite(x, "quantizeTensor");
  const G = numGroups(R, C, g);
  const lo = new Float64Array(G).fill(Infinity);
  const hi = new Float64Array(G).fill(-Infinity);
  for (let i = 0; i < R; i++)
    for (let j = 0; j < C; j++) {
      const k = groupIndex(i, j, R, C, g);
      const v = x[i * C + j];
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
    }
  const scales = new Float32Array(G);
  const zeroPoints = new Int32Array(G);
  for (let k = 0; k < G; k++) {
    const p = symmetric
      ? symmetricParams(Math.max(Math.abs(lo[k]), Math.abs(hi[k])), type)
      : affineParams(lo[k], hi[k], type);
    scales[k] = p.scale;
    zeroPoints[k] = p.zeroPoint;
  }
  const q = new Int32Array(R * C);
  for (let i = 0; i < R; i++)
    for (let j = 0; j < C; j++) {
      const k = groupIndex(i, j, R, C, g);
      q[i * C + j] = quantizeValue(x[i * C + j], { scale: scales[k], zeroPoint: zeroPoints[k] }, type);
    }
  return { q, scales, zeroPoints, R, C, g, type };
}

// Quantize with scales and zero points that are given (as ORT's QuantizeLinear is).
export function quantizeWith(
  x: ArrayLike<number>,
  R: number,
  C: number,
  g: Granularity,
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  type: IntType,
): Int32Array {
  const q = new Int32Array(R * C);
  for (let i = 0; i < R; i++)
    for (let j = 0; j < C; j++) {
      const k = groupIndex(i, j, R, C, g);
      q[i * C + j] = quantizeValue(x[i * C + j], { scale: scales[k], zeroPoint: zeroPoints[k] }, type);
    }
  return q;
}

// r = s · (q − z), in float32.
export function dequantizeTensor(
  t: Pick<QTensor, "q" | "scales" | "zeroPoints" | "R" | "C" | "g">,
): Float32Array {
  const out = new Float32Array(t.R * t.C);
  for (let i = 0; i < t.R; i++)
    for (let j = 0; j < t.C; j++) {
      const k = groupIndex(i, j, t.R, t.C, t.g);
      out[i * t.C + j] = Math.fround((t.q[i * t.C + j] - t.zeroPoints[k]) * t.scales[k]);
    }
  return out;
}

// Mean squared and max absolute error of a round trip.
export function roundTripError(x: ArrayLike<number>, y: ArrayLike<number>): { mse: number; maxAbs: number } {
  let se = 0;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    se += d * d;
    m = Math.max(m, Math.abs(d));
  }
  return { mse: se / x.length, maxAbs: m };
}
