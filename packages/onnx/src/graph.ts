// A small builder for ONNX graphs:
//
//   const g = new GraphBuilder("softmax");
//   g.input("X", "float32", ["N", 16]);
//   g.node("Softmax", ["X"], ["Y"], { axis: -1 });
//   g.output("Y", "float32", ["N", 16]);
//   const bytes = g.toModel({ opset: 21 });
//
// Operators and their attributes: https://onnx.ai/onnx/operators/
// Microsoft's contrib operators ("com.microsoft" domain):
// https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md

import { checkTensor, dataTypeOf, tensorBytes } from "./dtypes.ts";
import type { ElemType, TensorData } from "./dtypes.ts";
import { AttributeType, encodeModel } from "./onnx-proto.ts";
import type { AttributeProto, Dim, NodeProto, TensorProto, ValueInfoProto } from "./onnx-proto.ts";

// How an attribute value is written in `node(...)`:
//   integer        -> INT         (axis: -1)
//   other number   -> FLOAT       (epsilon: 1e-5)
//   string         -> STRING      (approximate: "tanh")
//   number[]       -> INTS if every entry is an integer, else FLOATS   (perm: [1, 0])
//   TensorData     -> TENSOR      (the `value` of a Constant node)
//   { float: 1 }, { floats: [1, 2] }, { ints: [] }  when the guess above is wrong
export type AttrValue =
  | number
  | string
  | readonly number[]
  | TensorData
  | { float: number }
  | { floats: readonly number[] }
  | { ints: readonly number[] };

export interface NodeOptions {
  domain?: string; // e.g. "com.microsoft"; "" (the default) is standard ONNX
  name?: string; // defaults to "<OpType>_<index>", so ORT errors point at the op
}

export interface ModelOptions {
  opset?: number; // version of the default ONNX operator set, default 21
  extraOpsets?: Record<string, number>; // e.g. { "com.microsoft": 1 }
  irVersion?: number; // default: the IR version that shipped with `opset`
  producerName?: string;
}

// Each ONNX release pairs an opset with the IR version it introduced; a model
// should declare the IR version that goes with its newest opset. From VERSION_TABLE
// in onnx/helper.py: opset 8 -> IR 3, 9 -> 4, 10 -> 5, 11 -> 6, 12-14 -> 7,
// 15-18 -> 8, 19-20 -> 9, 21-22 -> 10, 23 -> 11. Newer opsets: pass irVersion.
export function irVersionFor(opset: number): number {
  const table: [maxOpset: number, ir: number][] = [
    [8, 3],
    [9, 4],
    [10, 5],
    [11, 6],
    [14, 7],
    [18, 8],
    [20, 9],
    [22, 10],
    [23, 11],
  ];
  for (const [maxOpset, ir] of table) if (opset <= maxOpset) return ir;
  return 11;
}

export function toTensorProto(name: string, t: TensorData): TensorProto {
  checkTensor(t, `tensor "${name}"`);
  return { name, dims: t.dims, dataType: dataTypeOf[t.type], rawData: tensorBytes(t) };
}

function isTensorData(v: object): v is TensorData {
  return "type" in v && "data" in v && "dims" in v;
}

export function toAttribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === "number") {
    return Number.isInteger(v)
      ? { name, type: AttributeType.INT, i: v }
      : { name, type: AttributeType.FLOAT, f: v };
  }
  if (typeof v === "string") return { name, type: AttributeType.STRING, s: v };
  if (Array.isArray(v)) {
    const xs = v as readonly number[];
    return xs.every(Number.isInteger)
      ? { name, type: AttributeType.INTS, ints: xs }
      : { name, type: AttributeType.FLOATS, floats: xs };
  }
  if ("float" in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ("floats" in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  if ("ints" in v) return { name, type: AttributeType.INTS, ints: v.ints };
  if (isTensorData(v)) return { name, type: AttributeType.TENSOR, t: toTensorProto("", v) };
  throw new Error(`attribute "${name}": cannot tell its type from ${JSON.stringify(v)}`);
}

// onnxruntime-node 1.30 cannot pass 4-bit tensors across its JavaScript boundary:
// an int4 input is refused ("Tensor.type is not supported") and an int4 OUTPUT
// aborts the whole process (out of memory in OrtValueToNapiValue). Inside a graph
// they work (initializers, QuantizeLinear/DequantizeLinear, Cast), so keep them there.
function noFourBitIO(kind: string, name: string, type: ElemType): void {
  if (type === "int4" || type === "uint4") {
    throw new Error(
      `graph ${kind} "${name}": onnxruntime-node cannot pass ${type} tensors in or out of a model; keep them inside the graph (an initializer, or Cast to int8/uint8 before the output)`,
    );
  }
}

export class GraphBuilder {
  readonly name: string;
  private nodes: NodeProto[] = [];
  private initializers: TensorProto[] = [];
  private inputs: ValueInfoProto[] = [];
  private outputs: ValueInfoProto[] = [];

  constructor(name: string) {
    this.name = name;
  }

  // A graph input. Dims are numbers (fixed) or strings (symbolic, any size at run
  // time); no shape at all accepts any rank.
  input(name: string, type: ElemType, shape?: readonly Dim[]): this {
    noFourBitIO("input", name, type);
    this.inputs.push({ name, elemType: dataTypeOf[type], shape });
    return this;
  }

  // Leave the shape out to let ORT infer it (any rank).
  output(name: string, type: ElemType, shape?: readonly Dim[]): this {
    noFourBitIO("output", name, type);
    this.outputs.push({ name, elemType: dataTypeOf[type], shape });
    return this;
  }

  // A constant tensor stored inside the model (weights, Slice indices, ...).
  initializer(name: string, t: TensorData): this {
    this.initializers.push(toTensorProto(name, t));
    return this;
  }

  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    opts: NodeOptions = {},
  ): this {
    this.nodes.push({
      opType,
      input: inputs,
      output: outputs,
      name: opts.name ?? `${opType}_${this.nodes.length}`,
      domain: opts.domain ?? "",
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return this;
  }

  // The serialised ModelProto, ready for InferenceSession.create or a .onnx file.
  toModel(opts: ModelOptions = {}): Uint8Array {
    const opset = opts.opset ?? 21;
    const opsetImport = [{ domain: "", version: opset }];
    for (const [domain, version] of Object.entries(opts.extraOpsets ?? {})) {
      opsetImport.push({ domain, version });
    }
    return encodeModel({
      irVersion: opts.irVersion ?? irVersionFor(opset),
      opsetImport,
      producerName: opts.producerName ?? "llm-labs",
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}
