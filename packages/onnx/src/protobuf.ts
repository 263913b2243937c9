// A minimal protobuf wire-format WRITER: just enough to serialise an ONNX model.
//
// A protobuf message is a flat list of fields. Each field is a key followed by
// a value, and the key says how to read the value:
//
//   key = (field_number << 3) | wire_type
//
//   wire_type 0  VARINT            int32, int64, uint64, bool, enum
//   wire_type 1  I64               fixed64, double          (8 bytes, little-endian)
//   wire_type 2  LEN               string, bytes, sub-message, packed repeated
//   wire_type 5  I32               fixed32, float           (4 bytes, little-endian)
//
// Source: https://protobuf.dev/programming-guides/encoding/
// There is no framing and no field names on the wire, so a writer only needs
// the field numbers from the .proto file (see onnx-proto.ts).

export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

// A varint stores an unsigned integer 7 bits at a time, least significant group
// first; the top bit of each byte says "another byte follows".
//   300 = 0b10_0101100  ->  [1_0101100, 0_0000010] = [0xAC, 0x02]
// Negative int32/int64 values are written as their 64-bit two's complement,
// so they always take 10 bytes (protobuf's "int64" type, not zigzag "sint64").
// BigInt keeps this exact beyond 2^53 and for negative numbers.
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === "number" && !Number.isInteger(value)) {
    throw new Error(`protobuf: a varint must be an integer, got ${value}`);
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

// Collects the bytes of one message as a list of chunks and joins them once at
// the end, so large tensors (raw_data) are copied only once.
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private key(field: number, wireType: number): this {
    return this.push(encodeVarint((field << 3) | wireType));
  }

  // int32, int64, uint64, enum and bool fields.
  varint(field: number, value: number | bigint | boolean): this {
    const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
    return this.key(field, WireType.VARINT).push(encodeVarint(v));
  }

  // float fields: 4 bytes IEEE 754, little-endian.
  float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.key(field, WireType.I32).push(bytes);
  }

  // double fields: 8 bytes IEEE 754, little-endian.
  double(field: number, value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.key(field, WireType.I64).push(bytes);
  }

  // LEN fields: key, then the byte length as a varint, then the bytes.
  bytes(field: number, value: Uint8Array): this {
    return this.key(field, WireType.LEN).push(encodeVarint(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  // A sub-message is just a LEN field holding the sub-message's bytes.
  message(field: number, value: Uint8Array | ProtoWriter): this {
    return this.bytes(field, value instanceof ProtoWriter ? value.finish() : value);
  }

  // "packed" repeated scalars: ONE LEN field whose payload is the values
  // back to back, instead of one key per value.
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    const payload = new ProtoWriter();
    for (let i = 0; i < values.length; i++) payload.push(encodeVarint(values[i]));
    return this.bytes(field, payload.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const payload = new Uint8Array(4 * values.length);
    const view = new DataView(payload.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    return this.bytes(field, payload);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

// The matching READER, only as much as error messages need (see onnx-proto.ts
// `listNodes`): walk the fields of one message, giving each field's number and
// its value, a varint (bigint) or the bytes of a LEN field. I32/I64 values are skipped.
export interface RawField {
  field: number;
  wireType: number;
  value: bigint | Uint8Array;
}

export function* readFields(bytes: Uint8Array): Generator<RawField> {
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new Error("protobuf: truncated varint");
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = Number(readVarint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === WireType.VARINT) {
      yield { field, wireType, value: readVarint() };
    } else if (wireType === WireType.LEN) {
      const n = Number(readVarint());
      if (pos + n > bytes.length) throw new Error("protobuf: truncated field");
      yield { field, wireType, value: bytes.subarray(pos, pos + n) };
      pos += n;
    } else if (wireType === WireType.I32) {
      pos += 4;
    } else if (wireType === WireType.I64) {
      pos += 8;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wireType}`);
    }
  }
}
