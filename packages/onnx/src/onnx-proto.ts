// Encoders for the part of onnx.proto a small inference graph needs.
//
// Every field number below is taken from onnx/onnx.proto3 in the ONNX repository
// (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto3). Protobuf never writes
// field names, only numbers, so these numbers ARE the file format.
// proto3 fields equal to their default (0, "", empty) may be left out, and we do.

import { ProtoWriter, readFields } from "./protobuf.ts";

// TensorProto.DataType
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
  // 4-bit integers (onnx 1.16, IR 10), packed two per byte, element 0 in the low nibble
  UINT4: 21,
  INT4: 22,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

// AttributeProto.AttributeType
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

export interface TensorProto {
  name?: string;
  dims: readonly number[];
  dataType: DataType;
  // Elements in row-major order, fixed width, little-endian (the raw_data rule).
  rawData: Uint8Array;
}

// message TensorProto {
//   repeated int64 dims = 1;   int32 data_type = 2;   string name = 8;   bytes raw_data = 9;
// }
export function encodeTensor(t: TensorProto): Uint8Array {
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedVarints(1, t.dims);
  w.varint(2, t.dataType);
  if (t.name) w.string(8, t.name);
  w.bytes(9, t.rawData);
  return w.finish();
}

// Exactly one value field is set, and `type` says which.
export type AttributeProto =
  | { name: string; type: typeof AttributeType.FLOAT; f: number }
  | { name: string; type: typeof AttributeType.INT; i: number | bigint }
  | { name: string; type: typeof AttributeType.STRING; s: string }
  | { name: string; type: typeof AttributeType.TENSOR; t: TensorProto }
  | { name: string; type: typeof AttributeType.FLOATS; floats: readonly number[] }
  | { name: string; type: typeof AttributeType.INTS; ints: readonly (number | bigint)[] };

// message AttributeProto {
//   string name = 1;   float f = 2;   int64 i = 3;   bytes s = 4;   TensorProto t = 5;
//   repeated float floats = 7;   repeated int64 ints = 8;   AttributeType type = 20;
// }
// `floats` and `ints` are declared without [packed=true] in the proto2-compatible
// onnx.proto, and parsers must accept both layouts, so we write the packed one.
export function encodeAttribute(a: AttributeProto): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, a.name);
  switch (a.type) {
    case AttributeType.FLOAT:
      w.float(2, a.f);
      break;
    case AttributeType.INT:
      w.varint(3, a.i);
      break;
    case AttributeType.STRING:
      w.string(4, a.s);
      break;
    case AttributeType.TENSOR:
      w.message(5, encodeTensor(a.t));
      break;
    case AttributeType.FLOATS:
      w.packedFloats(7, a.floats);
      break;
    case AttributeType.INTS:
      w.packedVarints(8, a.ints);
      break;
  }
  w.varint(20, a.type);
  return w.finish();
}

export interface NodeProto {
  input: readonly string[];
  output: readonly string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: readonly AttributeProto[];
}

// message NodeProto {
//   repeated string input = 1;   repeated string output = 2;   string name = 3;
//   string op_type = 4;   repeated AttributeProto attribute = 5;   string domain = 7;
// }
// An empty input name "" is how ONNX says "this optional input is not given".
export function encodeNode(n: NodeProto): Uint8Array {
  const w = new ProtoWriter();
  for (const name of n.input) w.string(1, name);
  for (const name of n.output) w.string(2, name);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute ?? []) w.message(5, encodeAttribute(a));
  if (n.domain) w.string(7, n.domain);
  return w.finish();
}

// A dimension is a fixed size (number) or a symbolic name such as "batch".
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  elemType: DataType;
  shape?: readonly Dim[]; // left out: any rank; [] is a scalar
}

// message ValueInfoProto { string name = 1; TypeProto type = 2; }
// message TypeProto { Tensor tensor_type = 1; }
// message TypeProto.Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
// message TensorShapeProto { repeated Dimension dim = 1; }
// message TensorShapeProto.Dimension { oneof { int64 dim_value = 1; string dim_param = 2; } }
export function encodeValueInfo(v: ValueInfoProto): Uint8Array {
  const tensorType = new ProtoWriter().varint(1, v.elemType);
  if (v.shape) {
    const shape = new ProtoWriter();
    for (const d of v.shape) {
      const dim = new ProtoWriter();
      if (typeof d === "number") dim.varint(1, d);
      else dim.string(2, d);
      shape.message(1, dim);
    }
    tensorType.message(2, shape);
  }
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type).finish();
}

export interface GraphProto {
  name: string;
  node: readonly NodeProto[];
  initializer: readonly TensorProto[];
  input: readonly ValueInfoProto[];
  output: readonly ValueInfoProto[];
}

// message GraphProto {
//   repeated NodeProto node = 1;   string name = 2;   repeated TensorProto initializer = 5;
//   repeated ValueInfoProto input = 11;   repeated ValueInfoProto output = 12;
// }
export function encodeGraph(g: GraphProto): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.node) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, encodeTensor(t));
  for (const v of g.input) w.message(11, encodeValueInfo(v));
  for (const v of g.output) w.message(12, encodeValueInfo(v));
  return w.finish();
}

export interface OperatorSetId {
  domain: string; // "" is the default ONNX domain ("ai.onnx")
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsetImport: readonly OperatorSetId[];
  producerName: string;
  graph: GraphProto;
}

// message ModelProto {
//   int64 ir_version = 1;   string producer_name = 2;   GraphProto graph = 7;
//   repeated OperatorSetIdProto opset_import = 8;
// }
// message OperatorSetIdProto { string domain = 1; int64 version = 2; }
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion);
  w.string(2, m.producerName);
  w.message(7, encodeGraph(m.graph));
  for (const op of m.opsetImport) {
    const opset = new ProtoWriter();
    if (op.domain) opset.string(1, op.domain);
    opset.varint(2, op.version);
    w.message(8, opset);
  }
  return w.finish();
}

// Reading back the graph's name and its nodes' (name, op_type, domain), using
// the same field numbers, so error messages can say which ops a model holds.
export interface NodeSummary {
  name: string;
  opType: string;
  domain: string;
}

export function summarizeModel(model: Uint8Array): { graphName: string; nodes: NodeSummary[] } {
  const text = (v: bigint | Uint8Array) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : "");
  let graphName = "";
  const nodes: NodeSummary[] = [];
  for (const m of readFields(model)) {
    if (m.field !== 7 || !(m.value instanceof Uint8Array)) continue; // ModelProto.graph = 7
    for (const g of readFields(m.value)) {
      if (g.field === 2) graphName = text(g.value); // GraphProto.name = 2
      if (g.field !== 1 || !(g.value instanceof Uint8Array)) continue; // GraphProto.node = 1
      const node: NodeSummary = { name: "", opType: "", domain: "" };
      for (const f of readFields(g.value)) {
        if (f.field === 3) node.name = text(f.value); // NodeProto.name = 3
        if (f.field === 4) node.opType = text(f.value); // NodeProto.op_type = 4
        if (f.field === 7) node.domain = text(f.value); // NodeProto.domain = 7
      }
      nodes.push(node);
    }
  }
  return { graphName, nodes };
}
