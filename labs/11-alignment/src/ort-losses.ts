// ONNX Runtime as the independent check of src/logprobs.ts, src/dpo.ts and src/orpo.ts.
//
// Three small graphs built with @llm-labs/onnx, out of standard operators only, so that ORT's
// kernels (its LogSoftmax, GatherElements, Softplus …) do the arithmetic, not our code:
//
//   completion log-probs   logits [B, T, V], targets [B, T] (int64, −1 = not counted)
//     lsm  = LogSoftmax(logits, axis −1)                                   [B, T, V]
//     mask = Cast(targets ≥ 0)            y = Max(targets, 0)              [B, T]
//     tok  = GatherElements(lsm, Unsqueeze(y, 2), axis 2) · mask           [B, T]
//     seq  = ReduceSum(tok, axis 1)       len = ReduceSum(mask, axis 1)    [B]
//   (the clamp keeps GatherElements' index in range at −1; the mask then zeroes it)
//
//   DPO    four [P] log-probs and β []
//     r_w = β·(π_w − ref_w)   r_l = β·(π_l − ref_l)   h = r_w − r_l
//     loss = ReduceMean(Softplus(−h))     (−log σ(h) = log(1 + e^(−h)) = Softplus(−h))
//     and TRL's metrics: means of r_w, r_l, h, and of Cast(r_w > r_l)
//
//   ORPO   summed log-probs and lengths [P] of chosen and rejected, λ []
//     ℓ = sum / len    log odds = ℓ − Log(1 − Exp(ℓ))    z = log odds_w − log odds_l
//     loss = ReduceMean(−ℓ_w + λ·Softplus(−z))
//
// float32 throughout, as a production graph would run it.

import { GraphBuilder, f32, i64, runModel } from "@llm-labs/onnx";
import type { PairLogProbs } from "./dpo.ts";

const FLOAT = 1; // TensorProto.DataType for Cast's `to`

export function completionLogProbsModel(): Uint8Array {
  return new GraphBuilder("completion-logprobs")
    .input("logits", "float32", ["B", "T", "V"])
    .input("targets", "int64", ["B", "T"])
    .initializer("zero", i64([0], []))
    .initializer("lastAxis", i64([2]))
    .initializer("timeAxis", i64([1]))
    .node("LogSoftmax", ["logits"], ["lsm"], { axis: -1 })
    .node("GreaterOrEqual", ["targets", "zero"], ["counted"])
    .node("Cast", ["counted"], ["mask"], { to: FLOAT })
    .node("Max", ["targets", "zero"], ["clamped"])
    .node("Unsqueeze", ["clamped", "lastAxis"], ["index"])
    .node("GatherElements", ["lsm", "index"], ["picked"], { axis: 2 })
    .node("Squeeze", ["picked", "lastAxis"], ["pickedBT"])
    .node("Mul", ["pickedBT", "mask"], ["tokenLp"])
    .node("ReduceSum", ["tokenLp", "timeAxis"], ["sequenceLp"], { keepdims: 0 })
    .node("ReduceSum", ["mask", "timeAxis"], ["lengths"], { keepdims: 0 })
    .output("tokenLp", "float32", ["B", "T"])
    .output("sequenceLp", "float32", ["B"])
    .output("lengths", "float32", ["B"])
    .toModel({ opset: 21 });
}

// logits [B·T, V], targets [B·T] → per-token [B·T] and per-row [B] log-probs, lengths [B], by ORT.
export async function ortCompletionLogProbs(
  logits: Float32Array,
  targets: Int32Array,
  B: number,
  T: number,
  V: number,
): Promise<{ tokenLp: Float32Array; sequenceLp: Float32Array; lengths: Float32Array }> {
  if (logits.length !== B * T * V)
    throw new Error(
      `ortCompletionLogProbs: logits hold ${logits.length} values but B × T × V is ${B * T * V}`,
    );
  if (targets.length !== B * T)
    throw new Error(`ortCompletionLogProbs: targets hold ${targets.length} values but B × T is ${B * T}`);
  const out = await runModel(completionLogProbsModel(), {
    logits: f32(logits, [B, T, V]),
    targets: i64(targets, [B, T]),
  });
  return {
    tokenLp: out.tokenLp.data as Float32Array,
    sequenceLp: out.sequenceLp.data as Float32Array,
    lengths: out.lengths.data as Float32Array,
  };
}

const SCALAR: number[] = [];

export function dpoLossModel(): Uint8Array {
  const g = new GraphBuilder("dpo-loss");
  for (const name of ["policyChosen", "policyRejected", "refChosen", "refRejected"])
    g.input(name, "float32", ["P"]);
  g.input("beta", "float32", SCALAR)
    .node("Sub", ["policyChosen", "refChosen"], ["logRatioChosen"])
    .node("Sub", ["policyRejected", "refRejected"], ["logRatioRejected"])
    .node("Mul", ["beta", "logRatioChosen"], ["rewardChosen"])
    .node("Mul", ["beta", "logRatioRejected"], ["rewardRejected"])
    .node("Sub", ["rewardChosen", "rewardRejected"], ["h"])
    .node("Neg", ["h"], ["minusH"])
    .node("Softplus", ["minusH"], ["perPair"])
    .node("ReduceMean", ["perPair"], ["loss"], { keepdims: 0 })
    .node("ReduceMean", ["rewardChosen"], ["rewardsChosen"], { keepdims: 0 })
    .node("ReduceMean", ["rewardRejected"], ["rewardsRejected"], { keepdims: 0 })
    .node("ReduceMean", ["h"], ["rewardsMargins"], { keepdims: 0 })
    .node("Greater", ["rewardChosen", "rewardRejected"], ["right"])
    .node("Cast", ["right"], ["rightFloat"], { to: FLOAT })
    .node("ReduceMean", ["rightFloat"], ["rewardsAccuracies"], { keepdims: 0 });
  for (const name of ["loss", "rewardsChosen", "rewardsRejected", "rewardsMargins", "rewardsAccuracies"])
    g.output(name, "float32", SCALAR);
  return g.toModel({ opset: 21 });
}

const scalarOf = (t: { data: ArrayLike<number | bigint> }): number => Number(t.data[0]);

// The DPO loss and TRL's four reward metrics of [P] log-probs, by ORT.
export async function ortDpoLoss(
  policy: PairLogProbs,
  reference: PairLogProbs,
  beta: number,
): Promise<{ loss: number; metrics: Record<string, number> }> {
  const P = policy.chosen.length;
  const out = await runModel(dpoLossModel(), {
    policyChosen: f32(policy.chosen, [P]),
    policyRejected: f32(policy.rejected, [P]),
    refChosen: f32(reference.chosen, [P]),
    refRejected: f32(reference.rejected, [P]),
    beta: f32([beta], SCALAR),
  });
  return {
    loss: scalarOf(out.loss),
    metrics: {
      "rewards/chosen": scalarOf(out.rewardsChosen),
      "rewards/rejected": scalarOf(out.rewardsRejected),
      "rewards/margins": scalarOf(out.rewardsMargins),
      "rewards/accuracies": scalarOf(out.rewardsAccuracies),
    },
  };
}

// log odds of mean log-prob `l`, as nodes: l − Log(1 − Exp(l)).
function logOddsNodes(g: GraphBuilder, l: string, out: string): void {
  g.node("Exp", [l], [`${l}Exp`])
    .node("Sub", ["one", `${l}Exp`], [`${l}OneMinus`])
    .node("Log", [`${l}OneMinus`], [`${l}Log1mexp`])
    .node("Sub", [l, `${l}Log1mexp`], [out]);
}

export function orpoLossModel(): Uint8Array {
  const g = new GraphBuilder("orpo-loss");
  for (const name of ["chosenSum", "rejectedSum", "chosenLength", "rejectedLength"])
    g.input(name, "float32", ["P"]);
  g.input("lambda", "float32", SCALAR)
    .initializer("one", f32([1], SCALAR))
    .node("Div", ["chosenSum", "chosenLength"], ["lw"])
    .node("Div", ["rejectedSum", "rejectedLength"], ["ll"]);
  logOddsNodes(g, "lw", "logOddsChosen");
  logOddsNodes(g, "ll", "logOddsRejected");
  g.node("Sub", ["logOddsChosen", "logOddsRejected"], ["z"])
    .node("Neg", ["z"], ["minusZ"])
    .node("Softplus", ["minusZ"], ["lOR"])
    .node("Neg", ["lw"], ["nll"])
    .node("Mul", ["lambda", "lOR"], ["weightedOR"])
    .node("Add", ["nll", "weightedOR"], ["perPair"])
    .node("ReduceMean", ["perPair"], ["loss"], { keepdims: 0 })
    .node("ReduceMean", ["nll"], ["nllLoss"], { keepdims: 0 })
    .node("ReduceMean", ["z"], ["meanZ"], { keepdims: 0 });
  for (const name of ["loss", "nllLoss", "meanZ"]) g.output(name, "float32", SCALAR);
  return g.toModel({ opset: 21 });
}

// The ORPO loss of [P] summed log-probs and lengths, by ORT.
export async function ortOrpoLoss(
  policy: PairLogProbs,
  lengths: { chosen: ArrayLike<number>; rejected: ArrayLike<number> },
  lambda: number,
): Promise<{ loss: number; metrics: Record<string, number> }> {
  const P = policy.chosen.length;
  const out = await runModel(orpoLossModel(), {
    chosenSum: f32(policy.chosen, [P]),
    rejectedSum: f32(policy.rejected, [P]),
    chosenLength: f32(lengths.chosen, [P]),
    rejectedLength: f32(lengths.rejected, [P]),
    lambda: f32([lambda], SCALAR),
  });
  return {
    loss: scalarOf(out.loss),
    metrics: { nll_loss: scalarOf(out.nllLoss), log_odds_chosen: scalarOf(out.meanZ) },
  };
}
