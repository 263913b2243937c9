// Lab 06's public API.
export { checkSparsity, pruneCount, applyMask, sparsityOf, type Mask } from "./mask.ts";
export { lowestMask, magnitudeMask, globalMagnitudeMasks } from "./magnitude.ts";
export { inputNorms, wandaScores, perOutputMask, wandaMask } from "./wanda.ts";
export { checkNM, nmMask, isNM } from "./n-m.ts";
export { sparseGpt, sparseGptFactor, type SparseGptOptions, type SparseGptResult } from "./sparsegpt.ts";
export { toCsr, csrToDense, csrBytes, csrMatmul, type Csr } from "./csr.ts";
export { pack24, unpack24, positions24, packed24Bytes, matmul24, type Packed24 } from "./two-four.ts";
export {
  sliceHeads,
  sliceChannels,
  toSlim,
  slimForward,
  slimLoss,
  slimParamCount,
  unitContributions,
  keepHighest,
  pruneStructured,
  type SlimGPT,
  type SlimBlock,
  type StructuredOptions,
} from "./structured.ts";
export {
  calibrate,
  pruneLayer,
  pruneModel,
  pruneOne,
  linearKeys,
  type Calibration,
  type Method,
  type Pattern,
} from "./pruned-model.ts";
