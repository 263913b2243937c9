// Element types, named as onnxruntime-node names them, and the tensors we hand to it.

import { DataType } from "./onnx-proto.ts";

export type ElemType =
  | "float32"
  | "float64"
  | "float16"
  | "int64"
  | "int32"
  | "int8"
  | "uint8"
  | "bool"
  | "int4"
  | "uint4";

// The ONNX TensorProto.DataType number of each element type.
export const dataTypeOf: Record<ElemType, DataType> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  bool: DataType.BOOL,
  int4: DataType.INT4,
  uint4: DataType.UINT4,
};

// float16 travels as its raw 16-bit patterns (Uint16Array), bool as one byte per element,
// int4 / uint4 as one element per Int8Array / Uint8Array entry (unpacked: −8 … 7 and
// 0 … 15); they are packed two per byte only on the way into a model or into ORT.
export type TypedArray =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int8Array
  | Uint8Array;

const arrayKindOf: Record<ElemType, string> = {
  float32: "Float32Array",
  float64: "Float64Array",
  float16: "Uint16Array",
  int64: "BigInt64Array",
  int32: "Int32Array",
  int8: "Int8Array",
  uint8: "Uint8Array",
  bool: "Uint8Array",
  int4: "Int8Array",
  uint4: "Uint8Array",
};

const nibbleRange: Partial<Record<ElemType, [number, number]>> = { int4: [-8, 7], uint4: [0, 15] };

// A dense row-major tensor: what we feed ORT, get back from it, or store as an initializer.
export interface TensorData {
  type: ElemType;
  data: TypedArray;
  dims: readonly number[];
}

export function numel(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

// Catch the two mistakes ORT would report least clearly: wrong array kind, wrong length.
export function checkTensor(t: TensorData, where: string): void {
  const kind = t.data.constructor.name;
  if (kind !== arrayKindOf[t.type]) {
    throw new Error(`${where}: type "${t.type}" needs a ${arrayKindOf[t.type]}, got a ${kind}`);
  }
  if (t.data.length !== numel(t.dims)) {
    throw new Error(
      `${where}: dims [${t.dims.join(", ")}] hold ${numel(t.dims)} elements, but the data has ${t.data.length}`,
    );
  }
  const range = nibbleRange[t.type];
  if (range) {
    for (let i = 0; i < t.data.length; i++) {
      const v = Number(t.data[i]);
      if (v < range[0] || v > range[1])
        throw new Error(
          `${where}: element ${i} is ${v}, outside ${t.type}'s range ${range[0]} … ${range[1]}`,
        );
    }
  }
}

// 4-bit elements, two per byte, element 2i in bits 0–3 and 2i+1 in bits 4–7 (the
// ONNX rule for INT4/UINT4 raw_data; int4 as two's complement in its nibble). An odd
// count leaves the last high nibble 0.
export function packNibbles(values: Int8Array | Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) out[i >> 1] |= (values[i] & 0x0f) << (4 * (i & 1));
  return out;
}

export function unpackNibbles(bytes: Uint8Array, count: number, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(count) : new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const v = (bytes[i >> 1] >> (4 * (i & 1))) & 0x0f;
    out[i] = signed && v > 7 ? v - 16 : v;
  }
  return out;
}

// The bytes of a tensor as raw_data (and as ORT wants its data): packed for 4-bit types.
export function tensorBytes(t: TensorData): Uint8Array {
  if (t.type === "int4" || t.type === "uint4") return packNibbles(t.data as Int8Array | Uint8Array);
  return rawBytes(t.data);
}

// raw_data wants fixed-width little-endian elements. Typed arrays use the host's
// byte order, which is little-endian on every platform onnxruntime-node ships for
// (x64, arm64), so the array's own bytes are already in the right layout.
export function rawBytes(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

// Small constructors for the common cases, e.g. weights and the int64 index
// tensors that ops such as Slice, Reshape and ReduceMean take as inputs.
export function f32(values: ArrayLike<number>, dims: readonly number[] = [values.length]): TensorData {
  return { type: "float32", data: Float32Array.from(values), dims };
}

export function i64(values: ArrayLike<number>, dims: readonly number[] = [values.length]): TensorData {
  return { type: "int64", data: BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims };
}
