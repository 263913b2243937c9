// ONNX Runtime as the independent check of the scorers: two small graphs of standard
// operators, so that ORT's kernels do the arithmetic, not our code.
//
//   token NLL       scores [N, V], labels [N] (int64, −100 = not scored)
//     loss = SoftmaxCrossEntropyLoss(scores, labels, reduction "sum", ignore_index −100)
//          = Σ_{labels_i ≠ −100} −log softmax(scores_i)[labels_i]
//
//   continuation log-prob   logits [N, V], targets [N] (int64, −1 = not counted)
//     lsm = LogSoftmax(logits, axis −1)      y = Max(targets, 0)      mask = Cast(targets ≥ 0)
//     lp  = ReduceSum(GatherElements(lsm, Unsqueeze(y, 1), axis 1) · mask)
//
// float32 throughout, as a production graph runs it. The logits the tests feed come
// from ONNX Runtime too (the checkpoint's exported onnx/model.onnx), so the whole
// chain, model and loss, is ORT's.

import { GraphBuilder, f32, i64, runModel } from "@llm-labs/onnx";

const FLOAT = 1; // TensorProto.DataType for Cast's `to`

export function tokenNllModel(): Uint8Array {
  return new GraphBuilder("token-nll")
    .input("scores", "float32", ["N", "V"])
    .input("labels", "int64", ["N"])
    .node("SoftmaxCrossEntropyLoss", ["scores", "labels"], ["loss"], { reduction: "sum", ignore_index: -100 })
    .output("loss", "float32", [])
    .toModel({ opset: 21 });
}

export async function ortTokenNll(
  scores: Float32Array,
  labels: readonly number[],
  V: number,
): Promise<number> {
  const N = labels.length;
  const out = await runModel(tokenNllModel(), { scores: f32(scores, [N, V]), labels: i64(labels, [N]) });
  return (out.loss.data as Float32Array)[0];
}

export function continuationLogProbModel(): Uint8Array {
  return new GraphBuilder("continuation-logprob")
    .input("logits", "float32", ["N", "V"])
    .input("targets", "int64", ["N"])
    .initializer("zero", i64([0], []))
    .initializer("axis1", i64([1]))
    .node("LogSoftmax", ["logits"], ["lsm"], { axis: -1 })
    .node("GreaterOrEqual", ["targets", "zero"], ["counted"])
    .node("Cast", ["counted"], ["mask"], { to: FLOAT })
    .node("Max", ["targets", "zero"], ["clamped"])
    .node("Unsqueeze", ["clamped", "axis1"], ["index"])
    .node("GatherElements", ["lsm", "index"], ["picked"], { axis: 1 })
    .node("Squeeze", ["picked", "axis1"], ["pickedN"])
    .node("Mul", ["pickedN", "mask"], ["tokenLp"])
    .node("ReduceSum", ["tokenLp"], ["logprob"], { keepdims: 0 })
    .output("logprob", "float32", [])
    .toModel({ opset: 21 });
}

export async function ortContinuationLogProb(
  logits: Float32Array,
  targets: readonly number[],
  V: number,
): Promise<number> {
  const N = targets.length;
  const out = await runModel(continuationLogProbModel(), {
    logits: f32(logits, [N, V]),
    targets: i64(targets, [N]),
  });
  return (out.logprob.data as Float32Array)[0];
}
