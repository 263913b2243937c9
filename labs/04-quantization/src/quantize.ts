// Affine and symmetric quantization (Jacob et al. 2018, "Quantization and
// Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference", §2.1).
//
// A real value r is stored as a small integer q with a scale s and a zero point z:
//
//   r ≈ s · (q − z)                      (dequantize)
//   q = clamp(round(r / s) + z, qmin, qmax)   (quantize; round half to even)
//
// Affine (asymmetric): the range [min(r), max(r)] — widened to include 0, so
// that 0 is exactly representable (padding, ReLU zeros) — is mapped onto
// [qmin, qmax]:
//   s = (max − min) / (qmax − qmin),   z = round(qmin − min / s)
// Symmetric (absmax): z = 0 and s = max|r| / qmax, so q ∈ [−qmax, qmax]; one
// grid point is wasted on the negative side but the matmul needs no zero-point terms.
//
// `clamp` is saturation: a value outside the range sticks at the end of the grid
// instead of wrapping around (int8 127 + 1 would otherwise be −128).
//
// All arithmetic is float32 (Math.fround), as in ONNX Runtime, so our integers
// equal ORT's QuantizeLinear bit for bit — ties included.

import { UserError } from "@llm-labs/kit";
import { roundHalfEven } from "./round.ts";

export interface IntType {
  name: string;
  qmin: number;
  qmax: number;
}
export const INT8: IntType = { name: "int8", qmin: -128, qmax: 127 };
export const UINT8: IntType = { name: "uint8", qmin: 0, qmax: 255 };
// b-bit grids, for the weight-only formats (INT4 = 0 … 15 with zero point 8 by default).
export function uintN(bits: number): IntType {
  checkBits(bits);
  return { name: `uint${bits}`, qmin: 0, qmax: 2 ** bits - 1 };
}
export function intN(bits: number): IntType {
  checkBits(bits);
  return { name: `int${bits}`, qmin: -(2 ** (bits - 1)), qmax: 2 ** (bits - 1) - 1 };
}
export function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8)
    throw new UserError(`bits must be an integer from 2 to 8, got ${bits}`);
}

export interface QParams {
  scale: number; // a float32 value
  zeroPoint: number; // an integer on the grid
}

// One (scale, zero point) for a set of values with the given min and max.
export function affineParams(min: number, max: number, t: IntType): QParams {
  // #region exercise quantize-affine
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  let scale = Math.fround(Math.fround(hi - lo) / (t.qmax - t.qmin));
  if (scale === 0) scale = 1; // an all-zero tensor: any scale represents it exactly
  const zeroPoint = Math.min(
    t.qmax,
    Math.max(t.qmin, roundHalfEven(Math.fround(t.qmin - Math.fround(lo / scale)))),
  );
  return { scale, zeroPoint };
  // #endregion
}

// Symmetric (absmax): z = 0, s = max|r| / qmax.
export function symmetricParams(absMax: number, t: IntType): QParams {
  const scale = Math.fround(absMax / t.qmax);
  return { scale: scale === 0 ? 1 : scale, zeroPoint: 0 };
}

// q = clamp(round(r / s) + z): the division in float32, as ORT does it.
export function quantizeValue(r: number, p: QParams, t: IntType): number {
  // #region exercise quantize-affine
  const q = roundHalfEven(Math.fround(r / p.scale)) + p.zeroPoint;
  return Math.min(t.qmax, Math.max(t.qmin, q));
  // #endregion
}

// ONNX DynamicQuantizeLinear: uint8, affine, range [min(x, 0), max(x, 0)],
// s = (max − min)/255, z = round(0 − min/s) saturated, y = saturate(round(x/s) + z).
// All-zero x: the spec's formula gives s = 0 and z = 0/0 (NaN); ONNX Runtime
// returns s = 1, z = 0 (and y = 0), and so do we (affineParams' s = 0 → 1 rule).
export function dynamicQuantizeLinear(x: ArrayLike<number>): {
  y: Uint8Array;
  scale: number;
  zeroPoint: number;
} {
  checkFinite(x, "dynamicQuantizeLinear");
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, x[i]);
    hi = Math.max(hi, x[i]);
  }
  const p = affineParams(lo, hi, UINT8);
  const y = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = quantizeValue(x[i], p, UINT8);
  return { y, scale: p.scale, zeroPoint: p.zeroPoint };
}

export const dequantizeValue = (q: number, p: QParams): number => Math.fround((q - p.zeroPoint) * p.scale);

export function checkFinite(x: ArrayLike<number>, what = "input"): void {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i]))
      throw new UserError(`${what}: element ${i} is ${x[i]}; quantization needs finite values`);
}
