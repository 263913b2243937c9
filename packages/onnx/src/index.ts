// @llm-labs/onnx: build small ONNX models in TypeScript and run them in ONNX Runtime.
export { ProtoWriter, WireType, encodeVarint, readFields } from "./protobuf.ts";
export type { RawField } from "./protobuf.ts";
export {
  AttributeType,
  DataType,
  encodeAttribute,
  encodeGraph,
  encodeModel,
  encodeNode,
  encodeTensor,
  encodeValueInfo,
  summarizeModel,
} from "./onnx-proto.ts";
export type {
  AttributeProto,
  Dim,
  GraphProto,
  ModelProto,
  NodeProto,
  NodeSummary,
  OperatorSetId,
  TensorProto,
  ValueInfoProto,
} from "./onnx-proto.ts";
export {
  checkTensor,
  dataTypeOf,
  f32,
  i64,
  numel,
  packNibbles,
  rawBytes,
  tensorBytes,
  unpackNibbles,
} from "./dtypes.ts";
export type { ElemType, TensorData, TypedArray } from "./dtypes.ts";
export { GraphBuilder, irVersionFor, toAttribute, toTensorProto } from "./graph.ts";
export type { AttrValue, ModelOptions, NodeOptions } from "./graph.ts";
export { OrtModel, loadModel, runModel } from "./run.ts";
export type { Feeds, Outputs, SessionOptions } from "./run.ts";
