// @llm-labs/model: the specimen, a tiny GPT-2 every lab studies.
export { GPTConfigSchema, parseConfig, makeConfig, headDim, type GPTConfig } from "./config.ts";
export {
  readSafetensors,
  writeSafetensors,
  asFloat32,
  DTYPE_SIZES,
  type Dtype,
  type SafeTensor,
  type SafeTensorsFile,
  type TensorToWrite,
} from "./safetensors.ts";
export {
  paramShapes,
  countParams,
  viewParams,
  initParams,
  zerosLike,
  type Params,
  type Weights,
  type Block,
  type Linear,
  type Norm,
  type Floats,
} from "./params.ts";
export { linearForward, linearBackward } from "./linear.ts";
export {
  encoderForward,
  layerNormForward,
  attentionForward,
  geluForward,
  residualForward,
} from "./layers.ts";
export {
  forwardPass,
  gptBlockForward,
  gptHeadForward,
  gptAttentionProbs,
  allocActivations,
  allocLlamaActivations,
  isLlama,
  type AnySpecimen,
  type LlamaActivations,
  type LlamaLayerActs,
  type LlamaSpecimen,
  LINEAR_NAMES,
  type Activations,
  type AttentionHook,
  type BlockHooks,
  type EmbedHook,
  type ForwardHooks,
  type HeadActs,
  type NormHook,
  type RopeHook,
  type SwigluHook,
  type LayerActs,
  type LinearHook,
  type LinearName,
  type Specimen,
} from "./forward.ts";
export { copyModel, createGPT, forward, logits, type GPT } from "./gpt.ts";
export { KVCache, type KVStore } from "./kv-cache.ts";
export { forwardWithLinears } from "./forward-linears.ts";
export {
  lossAndGrads,
  backwardPass,
  gptBlockBackward,
  gptHeadBackward,
  allocBlockScratch,
  type BlockScratch,
  zeroGrads,
  crossEntropyBackward,
  layerNormBackward,
  geluBackward,
  attentionBackward,
  encoderBackward,
  type AttentionBackwardHook,
  type BackwardHooks,
  type LinearBackwardHook,
  type TrainHooks,
} from "./backward.ts";
export { AdamW, clipGradNorm, type AdamWOptions } from "./adamw.ts";
export { learningRate, type Schedule } from "./schedule.ts";
export {
  train,
  sampleBatch,
  sampleStep,
  decayMask,
  microStepper,
  Optimizer,
  type MicroStep,
  type TrainConfig,
  type StepInfo,
} from "./train.ts";
export { trainParallel, FAST_TRAINING, type ParallelOptions } from "./train-workers.ts";
export { generate, type GenerateOptions } from "./generate.ts";
export { heldoutLoss, unigramLoss } from "./perplexity.ts";
export { exportOnnx, causalMask } from "./onnx-export.ts";
export { OrtGPT } from "./ort-runner.ts";
export {
  loadTransformersModel,
  loadTransformersTokenizer,
  loadTextGeneration,
  transformersLogits,
  transformersGreedy,
} from "./transformers-runner.ts";
export {
  CHECKPOINTS_DIR,
  checkpointDir,
  namedCheckpoint,
  checkpointFromFlag,
  trainedCheckpoints,
  saveCheckpoint,
  saveOnnx,
  loadCheckpoint,
  readCheckpointFolder,
  readWeightsChecked,
  weightsToSafetensors,
  modelFromSafetensors,
  generationConfig,
} from "./checkpoints.ts";
export { story, generateCorpus, generateDocuments, END_OF_TEXT, TRAIN_SEED, HELDOUT_SEED } from "./corpus.ts";
export { corpusTokens, heldoutTokens, trainTokens } from "./corpus-tokens.ts";
export { calibrationInputs, type LayerInputs } from "./calibration.ts";
export { hessian } from "./hessian.ts";
export { linearShape, mapLinears, linearParamCount } from "./map-linears.ts";
export {
  LlamaConfigSchema,
  parseLlamaConfig,
  llamaParamCount,
  LLAMA_LIMITS,
  type LlamaConfig,
  type RopeScaling,
} from "./llama-config.ts";
export {
  rmsNormForward,
  rmsNormBackward,
  ropeInvFreq,
  ropeForward,
  ropeBackward,
  swigluForward,
  swigluBackward,
  gqaAttentionBackward,
  type RopeLayout,
  type RopeOptions,
} from "./llama-layers.ts";
export {
  createLlama,
  initLlamaParams,
  viewLlamaParams,
  llamaParamShapes,
  llamaParamTotal,
  llamaLinearName,
  llamaLinearShape,
  LLAMA_LINEARS,
  type Llama,
  type LlamaBlock,
  type LlamaLinearName,
  type LlamaParams,
  type LlamaWeights,
} from "./llama-params.ts";
export { llamaForward, llamaLossAndGrads, zeroLlamaGrads } from "./llama-backward.ts";
export { ropeFrequencies, type RopeFrequencies } from "./rope-scaling.ts";
export {
  saveLlamaCheckpoint,
  loadLlamaCheckpoint,
  llamaToSafetensors,
  llamaFromSafetensors,
  llamaGenerationConfig,
} from "./llama-checkpoint.ts";
export { causalAttentionForward, causalAttentionBackward } from "./attention-matmul.ts";
export { loadSpecimen, specimenSize } from "./specimen.ts";
export { exportLlamaOnnx, saveLlamaOnnx } from "./llama-onnx.ts";
