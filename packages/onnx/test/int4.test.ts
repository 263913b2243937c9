// 4-bit tensor element types (ONNX INT4 = 22, UINT4 = 21): packed two per byte,
// element 0 in the low nibble; ORT reads our packed initializers.
import { describe, expect, it } from "vitest";
import {
  DataType,
  GraphBuilder,
  f32,
  packNibbles,
  runModel,
  toTensorProto,
  unpackNibbles,
} from "../src/index.ts";

describe("int4 / uint4 tensors", () => {
  it("pack two per byte, first element in the low nibble, int4 in two's complement", () => {
    // uint4 [1, 2, 15] → 0x21, 0x0f;  int4 [-1, 7, -8] → 0x7f (−1 = 0xf low, 7 high), 0x08
    expect(Array.from(packNibbles(Uint8Array.from([1, 2, 15])))).toEqual([0x21, 0x0f]);
    expect(Array.from(packNibbles(Int8Array.from([-1, 7, -8])))).toEqual([0x7f, 0x08]);
    expect(Array.from(unpackNibbles(Uint8Array.from([0x7f, 0x08]), 3, true))).toEqual([-1, 7, -8]);
  });
  it("write data_type 22 / 21 and packed raw_data", () => {
    const t = toTensorProto("z", { type: "int4", data: Int8Array.from([-1, 7, -8]), dims: [3] });
    expect(t.dataType).toBe(DataType.INT4);
    expect(Array.from(t.rawData)).toEqual([0x7f, 0x08]);
    expect(toTensorProto("u", { type: "uint4", data: Uint8Array.from([3]), dims: [1] }).dataType).toBe(
      DataType.UINT4,
    );
  });
  it("refuse values outside the 4-bit range and 4-bit graph inputs/outputs", () => {
    expect(() => toTensorProto("z", { type: "int4", data: Int8Array.from([8]), dims: [1] })).toThrow(
      /outside int4's range/,
    );
    expect(() => toTensorProto("u", { type: "uint4", data: Uint8Array.from([16]), dims: [1] })).toThrow(
      /outside uint4's range/,
    );
    expect(() => new GraphBuilder("g").output("Y", "int4", [1])).toThrow(/cannot pass int4/);
    expect(() => new GraphBuilder("g").input("X", "uint4", [1])).toThrow(/cannot pass uint4/);
  });
  it("ORT reads a packed int4 initializer (odd length) through DequantizeLinear", async () => {
    // y = (q − z)·s with s = 0.5, z = −1 (int4): q = [−8, −1, 0, 3, 7] → [−3.5, 0, 0.5, 2, 4]
    const g = new GraphBuilder("dq")
      .input("S", "float32", [])
      .initializer("Q", { type: "int4", data: Int8Array.from([-8, -1, 0, 3, 7]), dims: [5] })
      .initializer("Z", { type: "int4", data: Int8Array.from([-1]), dims: [] })
      .node("DequantizeLinear", ["Q", "S", "Z"], ["Y"])
      .output("Y", "float32", [5]);
    const { Y } = await runModel(g.toModel({ opset: 21 }), { S: f32([0.5], []) });
    expect(Array.from(Y.data as Float32Array)).toEqual([-3.5, 0, 0.5, 2, 4]);
  });
});
