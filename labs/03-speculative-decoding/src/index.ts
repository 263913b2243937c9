// Lab 03's public API: speculative decoding, verifier, drafters and the theory.
export { toProbs, sampleFrom, checkSpecOptions, type Probs } from "./distributions.ts";
export {
  residualDistribution,
  acceptDraftToken,
  bonusToken,
  verifyDrafts,
  speculativeStepFromDistributions,
  type Verdict,
  type Residual,
} from "./verify.ts";
export { TsLM, contextLength, isEos, type CachedLM, type LMConfig } from "./lm.ts";
export { OrtLM, keepPositions } from "./ort-lm.ts";
export { ModelDrafter, type Drafter, type Proposal } from "./drafters.ts";
export { lookupNgram, PromptLookupDrafter } from "./prompt-lookup.ts";
export {
  speculativeGenerate,
  acceptanceRate,
  tokensPerStep,
  type SpeculativeOptions,
  type SpeculativeStats,
  type SpeculativeResult,
} from "./speculative.ts";
export { expectedTokensPerStep, expectedSpeedup, speedupWithVerifyCost, bestGamma } from "./theory.ts";
export { targetOnlyGreedy } from "./baseline.ts";
