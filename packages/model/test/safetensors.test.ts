import { describe, expect, it } from "vitest";
import { asFloat32, readSafetensors, writeSafetensors } from "../src/safetensors.ts";

// A file built byte by byte, following the format description (not our writer).
function handMade(header: object, data: Uint8Array, headerLenOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  const len = headerLenOverride ?? json.length;
  // little-endian u64, written one byte at a time
  for (let i = 0; i < 8; i++) out[i] = Math.floor(len / 2 ** (8 * i)) & 0xff;
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32bytes = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

describe("safetensors", () => {
  it("reads a hand-made file: two tensors and metadata", () => {
    const data = new Uint8Array([...f32bytes([1, 2, 3, 4, 5, 6]), ...f32bytes([-1.5])]);
    const file = handMade(
      {
        __metadata__: { format: "pt" },
        a: { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] },
        b: { dtype: "F32", shape: [], data_offsets: [24, 28] },
      },
      data,
    );
    const st = readSafetensors(file);
    expect(st.metadata).toEqual({ format: "pt" });
    expect([...st.tensors.keys()]).toEqual(["a", "b"]);
    expect(st.tensors.get("a")!.shape).toEqual([2, 3]);
    expect([...asFloat32(st.tensors.get("a")!, "a")]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...asFloat32(st.tensors.get("b")!, "b")]).toEqual([-1.5]);
  });

  it("writes the layout of the spec: u64 LE header length, JSON padded to 8 bytes, contiguous data", () => {
    const file = writeSafetensors(
      [
        ["w", { dtype: "F32", shape: [3], data: Float32Array.from([1, 2, 3]) }],
        ["ids", { dtype: "I64", shape: [2], data: BigInt64Array.from([7n, -1n]) }],
      ],
      { note: "hi" },
    );
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { note: "hi" },
      w: { dtype: "F32", shape: [3], data_offsets: [0, 12] },
      ids: { dtype: "I64", shape: [2], data_offsets: [12, 28] },
    });
    expect(file.length).toBe(8 + n + 28);
    // the float 1.0 is 0x3f800000, little-endian 00 00 80 3f
    expect([...file.subarray(8 + n, 8 + n + 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]);
    const back = readSafetensors(file);
    expect(new BigInt64Array(back.tensors.get("ids")!.bytes.buffer)[1]).toBe(-1n);
  });

  it("rejects a file shorter than the 8-byte length", () => {
    expect(() => readSafetensors(new Uint8Array(5), "m.safetensors")).toThrow(
      /safetensors m\.safetensors: truncated file: 5 bytes/,
    );
  });

  it("rejects a truncated data buffer, naming the tensor", () => {
    const full = handMade({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, f32bytes([1, 2, 3, 4]));
    expect(() => readSafetensors(full.subarray(0, full.length - 3))).toThrow(
      /truncated file: tensor "a" ends at data byte 16, but the data buffer has only 13 bytes/,
    );
  });

  it("rejects a header length beyond the file size", () => {
    const file = handMade({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32bytes([1]), 10_000);
    expect(() => readSafetensors(file)).toThrow(/header length 10000 bytes goes beyond the file size/);
  });

  it("rejects overlapping offsets, naming both tensors", () => {
    const file = handMade(
      {
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
      },
      f32bytes([1, 2, 3]),
    );
    expect(() => readSafetensors(file)).toThrow(
      /overlapping offsets: tensor "b" \[4, 12\) overlaps tensor "a" \[0, 8\)/,
    );
  });

  it("rejects holes and trailing bytes", () => {
    const hole = handMade({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32bytes([1, 2]));
    expect(() => readSafetensors(hole)).toThrow(/hole in the data buffer: bytes \[0, 4\)/);
    const trailing = handMade({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32bytes([1, 2]));
    expect(() => readSafetensors(trailing)).toThrow(/trailing bytes/);
  });

  it("rejects an unknown dtype and a shape that does not match the byte count", () => {
    const bad = handMade({ a: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, f32bytes([1]));
    expect(() => readSafetensors(bad)).toThrow(/tensor "a": unknown dtype "F33"/);
    const mismatch = handMade(
      { a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } },
      f32bytes([1, 2, 3]),
    );
    expect(() => readSafetensors(mismatch)).toThrow(
      /tensor "a": shape \[2, 2\] of F32 needs 16 bytes, but data_offsets \[0, 12\] hold 12/,
    );
  });

  it("rejects a header that is not a JSON object and non-string metadata", () => {
    const notJson = handMade({}, new Uint8Array());
    notJson[8] = "[".charCodeAt(0);
    expect(() => readSafetensors(notJson)).toThrow(/must be a JSON object starting with '\{'/);
    const meta = handMade({ __metadata__: { n: 3 } }, new Uint8Array());
    expect(() => readSafetensors(meta)).toThrow(/__metadata__\.n must be a string/);
  });

  it("the writer refuses data that does not match its shape", () => {
    expect(() =>
      writeSafetensors([["x", { dtype: "F32", shape: [2, 2], data: new Float32Array(3) }]]),
    ).toThrow(/needs 16 bytes, the data has 12/);
  });
});
