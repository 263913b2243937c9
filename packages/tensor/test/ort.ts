// Shared by the tests: run a one-off ONNX graph in ONNX Runtime and compare.
import { GraphBuilder, runModel } from "@llm-labs/onnx";
import type { AttrValue, TensorData } from "@llm-labs/onnx";
import type { Tensor } from "../src/index.ts";

// float32 unit roundoff u = 2^-24 ≈ 5.96e-8: one correctly rounded float32
// operation has relative error at most u. (Machine epsilon 2^-23 ≈ 1.19e-7 is 2u.)
export const U = 2 ** -24;

export function feed(t: Tensor): TensorData {
  return { type: "float32", data: t.data, dims: t.shape };
}

// Runs a graph with a single node `op` on float32 inputs (plus constant
// initializers) and returns its single float32 output as a Tensor.
export async function ortOp(
  op: string,
  inputs: Record<string, Tensor>,
  opts: {
    attrs?: Record<string, AttrValue>;
    opset?: number;
    domain?: string;
    constants?: Record<string, TensorData>;
    extraInputs?: Record<string, TensorData>;
  } = {},
): Promise<Tensor> {
  const g = new GraphBuilder(op.toLowerCase());
  const feeds: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(inputs)) {
    g.input(name, "float32", t.shape);
    feeds[name] = feed(t);
  }
  for (const [name, t] of Object.entries(opts.extraInputs ?? {})) {
    g.input(name, t.type, t.dims);
    feeds[name] = t;
  }
  for (const [name, t] of Object.entries(opts.constants ?? {})) g.initializer(name, t);
  const names = [
    ...Object.keys(inputs),
    ...Object.keys(opts.extraInputs ?? {}),
    ...Object.keys(opts.constants ?? {}),
  ];
  g.node(op, names, ["Y"], opts.attrs ?? {}, { domain: opts.domain ?? "" });
  g.output("Y", "float32");
  return runGraph(g, feeds, opts.opset ?? 21, opts.domain);
}

export async function runGraph(
  g: GraphBuilder,
  feeds: Record<string, TensorData>,
  opset: number,
  domain?: string,
): Promise<Tensor> {
  const model = g.toModel({ opset, extraOpsets: domain ? { [domain]: 1 } : {} });
  const { Y } = await runModel(model, feeds);
  return { data: Y.data as Float32Array, shape: [...Y.dims] };
}

// max_i |a_i - b_i| / scale_i, with a shape check first; < 1 means "within tolerance".
export function worstRatio(ours: Tensor, ref: Tensor, tol: (i: number) => number): number {
  if (ours.shape.join(",") !== ref.shape.join(",")) {
    throw new Error(`shape mismatch: ours [${ours.shape}] vs reference [${ref.shape}]`);
  }
  let worst = 0;
  for (let i = 0; i < ours.data.length; i++) {
    const r = Math.abs(ours.data[i] - ref.data[i]) / tol(i);
    if (!(r <= worst)) worst = r; // also catches NaN
  }
  return worst;
}
