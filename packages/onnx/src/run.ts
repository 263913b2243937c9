// Running a model in ONNX Runtime (onnxruntime-node, CPU execution provider).
//
//   const { Y } = await runModel(bytes, { X: { type: "float32", data, dims: [2, 3] } });
//
// runModel loads, runs once and releases. Benchmarks and loops use loadModel,
// which keeps the session so that only session.run is timed.

import { InferenceSession, Tensor } from "onnxruntime-node";
import { checkTensor } from "./dtypes.ts";
import type { ElemType, TensorData, TypedArray } from "./dtypes.ts";
import { summarizeModel } from "./onnx-proto.ts";

export interface SessionOptions {
  // Threads ORT may use inside one operator. 1 by default, so that comparisons
  // with our single-threaded TypeScript are fair and timings are repeatable.
  intraOpThreads?: number;
  // ORT rewrites graphs (fuses ops, folds constants) before running them. We
  // keep "all" like production; "disabled" runs the graph exactly as written.
  graphOptimization?: "disabled" | "basic" | "extended" | "all";
}

export type Feeds = Record<string, TensorData>;
export type Outputs = Record<string, TensorData>;

// "model "softmax" (Softmax_0: Softmax, Gelu_1: com.microsoft.Gelu)"
function describe(model: Uint8Array): string {
  try {
    const { graphName, nodes } = summarizeModel(model);
    const ops = nodes.map((n) => `${n.name || "?"}: ${n.domain ? n.domain + "." : ""}${n.opType}`);
    return `model "${graphName}" (${ops.join(", ")})`;
  } catch {
    return "model (could not be decoded)";
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class OrtModel {
  readonly session: InferenceSession;
  private readonly description: string;

  private constructor(session: InferenceSession, description: string) {
    this.session = session;
    this.description = description;
  }

  static async load(model: Uint8Array, opts: SessionOptions = {}): Promise<OrtModel> {
    const description = describe(model);
    try {
      const session = await InferenceSession.create(model, {
        intraOpNumThreads: opts.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: opts.graphOptimization ?? "all",
        // ORT would also print every error to stderr; we throw them instead.
        logSeverityLevel: 4,
      });
      return new OrtModel(session, description);
    } catch (e) {
      throw new Error(`onnx: ONNX Runtime could not load the ${description}.\nORT says: ${message(e)}`);
    }
  }

  // Wrap our tensors as ORT tensors. No copy: ORT reads the typed arrays in place.
  toOrtFeeds(feeds: Feeds): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      checkTensor(t, `input "${name}"`);
      out[name] = new Tensor(t.type, t.data, [...t.dims]);
    }
    return out;
  }

  async run(feeds: Feeds): Promise<Outputs> {
    const ortFeeds = this.toOrtFeeds(feeds);
    let results: InferenceSession.ReturnType;
    try {
      results = await this.session.run(ortFeeds);
    } catch (e) {
      throw new Error(
        `onnx: ONNX Runtime failed while running the ${this.description}.\nORT says: ${message(e)}`,
      );
    }
    const out: Outputs = {};
    for (const [name, value] of Object.entries(results)) {
      const t = value as Tensor;
      out[name] = { type: t.type as ElemType, data: t.data as TypedArray, dims: [...t.dims] };
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export function loadModel(model: Uint8Array, opts: SessionOptions = {}): Promise<OrtModel> {
  return OrtModel.load(model, opts);
}

// Load, run once, release.
export async function runModel(model: Uint8Array, feeds: Feeds, opts: SessionOptions = {}): Promise<Outputs> {
  const m = await OrtModel.load(model, opts);
  try {
    return await m.run(feeds);
  } finally {
    await m.release();
  }
}
