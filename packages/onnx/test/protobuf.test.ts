// The writer must produce the exact bytes of the worked examples in the protobuf
// encoding guide, https://protobuf.dev/programming-guides/encoding/
import { describe, expect, it } from "vitest";
import { ProtoWriter, encodeVarint, readFields } from "../src/protobuf.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

describe("varint", () => {
  it("encodes 1 in one byte and 300 as 0xAC 0x02", () => {
    expect(hex(encodeVarint(1))).toBe("01");
    expect(hex(encodeVarint(127))).toBe("7f");
    expect(hex(encodeVarint(128))).toBe("80 01");
    expect(hex(encodeVarint(300))).toBe("ac 02");
  });

  it("encodes negative int64 as ten bytes of two's complement", () => {
    // -1 = 0xFFFF_FFFF_FFFF_FFFF: nine bytes of 7 one-bits with the continue bit, then 0x01.
    expect(hex(encodeVarint(-1))).toBe("ff ff ff ff ff ff ff ff ff 01");
    // -2 differs only in the lowest bit of the first group.
    expect(hex(encodeVarint(-2))).toBe("fe ff ff ff ff ff ff ff ff 01");
  });

  it("is exact beyond 2^53 when given a bigint", () => {
    // 2^63 - 1: nine full groups of 7 one-bits = 63 bits.
    expect(hex(encodeVarint(2n ** 63n - 1n))).toBe("ff ff ff ff ff ff ff ff 7f");
  });

  it("rejects non-integers", () => {
    expect(() => encodeVarint(1.5)).toThrow(/must be an integer/);
  });
});

describe("ProtoWriter", () => {
  it("writes the guide's Test1 message: a = 150 in field 1 -> 08 96 01", () => {
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe("08 96 01");
  });

  it('writes the guide\'s Test2 message: b = "testing" in field 2', () => {
    expect(hex(new ProtoWriter().string(2, "testing").finish())).toBe("12 07 74 65 73 74 69 6e 67");
  });

  it("writes the guide's Test3 message: a sub-message in field 3 -> 1a 03 08 96 01", () => {
    const inner = new ProtoWriter().varint(1, 150);
    expect(hex(new ProtoWriter().message(3, inner).finish())).toBe("1a 03 08 96 01");
  });

  it("writes the guide's packed example: field 6 = [3, 270, 86942]", () => {
    expect(hex(new ProtoWriter().packedVarints(6, [3, 270, 86942]).finish())).toBe("32 06 03 8e 02 9e a7 05");
  });

  it("writes a float as wire type 5 and 4 little-endian bytes (1.0f = 0x3F800000)", () => {
    expect(hex(new ProtoWriter().float(1, 1).finish())).toBe("0d 00 00 80 3f");
    expect(hex(new ProtoWriter().packedFloats(2, [1, -2]).finish())).toBe("12 08 00 00 80 3f 00 00 00 c0");
  });

  it("writes a double as wire type 1 and 8 little-endian bytes (1.0 = 0x3FF0000000000000)", () => {
    expect(hex(new ProtoWriter().double(1, 1).finish())).toBe("09 00 00 00 00 00 00 f0 3f");
  });
});

describe("readFields", () => {
  it("reads back what the writer wrote", () => {
    const bytes = new ProtoWriter().varint(1, 150).string(2, "hi").float(3, 2).varint(4, -1).finish();
    const fields = [...readFields(bytes)];
    expect(fields.map((f) => f.field)).toEqual([1, 2, 4]); // floats are skipped by design
    expect(fields[0].value).toBe(150n);
    expect(new TextDecoder().decode(fields[1].value as Uint8Array)).toBe("hi");
    expect(fields[2].value).toBe(2n ** 64n - 1n);
  });
});
