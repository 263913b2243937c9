// Lab 08's public API: what later labs (parallelism, PEFT, alignment, distillation)
// build on when they train, price or shrink a training step.
export {
  toFp16Bits,
  toBf16Bits,
  fp16BitsToFloat,
  bf16BitsToFloat,
  roundFp16,
  roundBf16,
  roundArray,
  roundInPlace,
  toFp16BitsArray,
  toBf16BitsArray,
  float32Bits,
  bitsToFloat32,
  type HalfFormat,
} from "./formats.ts";
export { ortCastFp16Bits, ortCastBf16Bits, ortFp16ToFloat } from "./ort-cast.ts";
export { LossScaler, hasInfOrNaN, type LossScalerOptions, type StepDecision } from "./loss-scale.ts";
export {
  trainMixed,
  halfGradients,
  halfLinear,
  flushShare,
  overflowShare,
  unscale,
  windowLoss,
  type Precision,
  type MixedConfig,
  type MixedStep,
} from "./mixed-precision.ts";
export {
  accumulateGradients,
  microBatchWeights,
  countTargets,
  relativeError,
  type MicroBatch,
  type Weighting,
} from "./accumulation.ts";
export {
  wsdLearningRate,
  rangeLr,
  smoothLosses,
  pickLr,
  lrRangeTest,
  type WSDSchedule,
  type RangeTestResult,
} from "./schedules.ts";
export {
  zeroMemory,
  trainingMemory,
  activationBytesPerLayer,
  bytesPerParam,
  FP32_ADAM,
  MIXED_ADAM,
  MIXED_ADAM_8BIT,
  MIXED_SGD_MOMENTUM,
  type StateBytes,
  type ZeroStage,
  type DeviceBytes,
  type Recompute,
  type ActivationShape,
} from "./memory.ts";
export { sixND, forwardFlopsPerToken, trainingFlops, PF_DAY, type FlopsShape } from "./flops.ts";
export { modelFlopsPerToken, matmulFlops, achievedFlopsPerSecond, mfu, type PalmShape } from "./mfu.ts";
