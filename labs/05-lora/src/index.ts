// Lab 05's public API.
export {
  loraForward,
  initLora,
  checkLora,
  checkRankAlpha,
  loraScale,
  loraParamCount,
  type LoraWeights,
} from "./lora.ts";
export { addLoraDelta, merge, unmerge } from "./merge.ts";
export { loraGradsFromWeightGrad, loraLinearBackward } from "./grads.ts";
export {
  createAdapter,
  adapterView,
  mergeAdapter,
  unmergeAdapter,
  copyModel,
  adapterToSafetensors,
  adapterFromSafetensors,
  tensorName,
  TARGETS,
  FILE_NAMES,
  type Adapter,
  type AdapterEntry,
  type AdapterSpec,
  type Target,
} from "./adapter.ts";
export { trainPeft, loraPeft, type Peft, type PeftTrainConfig } from "./train.ts";
export { ia3Peft } from "./ia3.ts";
export { multiLoraLinear, multiLoraLogits } from "./multi-lora.ts";
export {
  NF4,
  nearestNf4,
  quantizeNf4,
  dequantizeNf4,
  quantizeNf4Linear,
  dequantizeNf4Linear,
  checkBlockSize,
  type Nf4Tensor,
} from "./nf4.ts";
export { packBnb4, unpackBnb4 } from "./bnb4.ts";
export {
  doubleQuantize,
  doubleDequantize,
  scaleBitsPerWeight,
  nf4Bytes,
  type DoubleQuant,
} from "./double-quant.ts";
export { nf4Base, type Nf4BaseOptions } from "./qlora.ts";
export { ortMatMulBnb4, loadMatMulBnb4, matMulBnb4Model } from "./ort-reference.ts";
export {
  specimenShape,
  llamaShape,
  llamaFfn,
  LLAMA_7B,
  LLAMA_65B,
  GPT3_175B,
  linearParams,
  totalParams,
  loraParams,
  fullFinetune,
  loraMemory,
  BF16_ADAM,
  FP32_ADAM,
  type ModelShape,
  type Precision,
  type MemoryRow,
} from "./memory.ts";
export { qaExample, qaText, qaTokens, TASK_TRAIN_SEED, TASK_HELDOUT_SEED } from "./task.ts";
export {
  ADAPTER_FILE,
  DEMO_LORA,
  DEMO_TRAIN,
  TASK_TRAIN_TOKENS,
  TASK_EVAL_TOKENS,
  ORIGINAL_EVAL_TOKENS,
} from "./recipe.ts";
