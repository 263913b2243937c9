// Lab 10's public API.
export { biasMask, bitfitPeft, fullPeft, maskedPeft, flatOffset } from "./bitfit.ts";
export {
  promptTuningPeft,
  softPromptForward,
  softPromptBackward,
  withVirtualTokens,
  VIRTUAL_TOKEN_ID,
} from "./prompt-tuning.ts";
export {
  prefixBlock,
  prefixCache,
  prefixFromCache,
  prefixFromTokens,
  prefixAttentionBackward,
  pTuningV2Peft,
  prefixTuningPeft,
  prefixOf,
  prefixMlpForward,
  prefixMlpBackward,
  prefixMlpView,
  type PrefixMlp,
} from "./prefix.ts";
export { prefixPast, ortLogitsWithPrefix, transformersLogitsWithPrefix } from "./prefix-production.ts";
export {
  adapterPeft,
  adapterForward,
  adapterBackward,
  adapterSize,
  type AdapterKind,
  type AdapterSpec,
  type AdapterWeights,
  type AdapterActs,
} from "./adapters.ts";
export {
  adaloraPeft,
  budgetAt,
  isMaskStep,
  updateSensitivity,
  tripletScores,
  maskToBudget,
  svdView,
  type AdaLora,
  type AdaLoraSpec,
  type BudgetSchedule,
  type Sensitivity,
  type SvdEntry,
} from "./adalora.ts";
export { effectiveModel, methodLoss, methodGrads, methodPerplexity } from "./evaluate.ts";
export {
  savePeftAdapter,
  loadPeftAdapter,
  peftKey,
  CONFIG_FILE,
  WEIGHTS_FILE,
  PROMPT_KEY,
  type PeftAdapter,
} from "./peft-format.ts";
export { RECIPES, recipe, baseMacs, EVAL_WINDOW, PREFIX_HIDDEN, type Recipe } from "./recipe.ts";
