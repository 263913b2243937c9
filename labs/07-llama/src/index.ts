// Lab 07's public API.
export { rmsNorm } from "./rmsnorm.ts";
export { inverseFrequencies, rope, toRotateHalf, type RopeLayout, type RopePositions } from "./rope.ts";
export { swiglu, mlpWeights } from "./swiglu.ts";
export { gqaAttention, RotateOnReadCache } from "./gqa-cache.ts";
export {
  ortGroupQueryAttention,
  ortRmsNorm,
  ortRotaryEmbedding,
  ortSwigluMlp,
  type GqaStep,
} from "./ort-reference.ts";
export {
  routerTopK,
  loadBalancingLoss,
  loadBalancingLossGrad,
  routerTopKBackward,
  slotFractions,
  type Routing,
} from "./router.ts";
export {
  moeForward,
  assignSlots,
  expertCapacity,
  routerLogits,
  moeParams,
  type MoeWeights,
  type MoeOptions,
  type MoeStats,
  type MoeResult,
} from "./moe.ts";
export { ortMoe, ortMoeWeights, type OrtMoeLayout } from "./moe-ort.ts";
export {
  initTiny,
  lossAndGrad,
  trainTiny,
  evaluateTiny,
  tinyParamCount,
  batchFrom,
  coefficientOfVariation,
  type TinyConfig,
  type TinyModel,
  type Batch,
  type StepResult,
  type TrainOptions,
  type Evaluation,
} from "./moe-train.ts";
export {
  withRopeScaling,
  stretched,
  ntkBase,
  windowLoss,
  bucketLoss,
  positionBuckets,
  perplexity as windowPerplexity,
  METHODS,
  TRAINED_CONTEXT,
  type Method,
} from "./long-context.ts";
export {
  paramsByKind,
  gpt2ParamsByKind,
  llamaParamsByKind,
  countedParamsByKind,
  kvBytesPerToken,
  trainingRun,
  type ParamsByKind,
  type TrainingRun,
} from "./compare.ts";
