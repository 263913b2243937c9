// Lab 15's public API.
export { slidingWindowNll, lossOf, perplexityOf, type LogitsFn, type WindowedNll } from "./sliding-window.ts";
export {
  tokenByteLengths,
  specimenByteLengths,
  bytesOf,
  bitsPerByte,
  byteBigramNll,
} from "./bits-per-byte.ts";
export { continuationLoglikelihood, type Loglikelihood } from "./continuation.ts";
export { scoreChoices, charLength, type ChoiceScore } from "./multiple-choice.ts";
export { bootstrapStderr, meanStderr, sampleStd, mean } from "./bootstrap.ts";
export { calibration, binOf, type Bin, type Calibration } from "./calibration.ts";
export { ngramIndex, ngramOverlap, gramKey, type Overlap } from "./ngram.ts";
export { words } from "./words.ts";
export {
  McItem,
  makeBenchmark,
  parseBenchmark,
  SUBJECTS,
  SPLIT_SEEDS,
  LETTERS,
  options,
  gold,
  type Variant,
  type Split,
} from "./benchmark.ts";
export { TEMPLATES, template, type Template, type Rendered } from "./templates.ts";
export { SpecimenLM, specimenTokenizer, encodePair, contextOf, type Tokenizer } from "./lm.ts";
export { evaluateTask, evaluateItem, fewShot, type ItemResult } from "./harness.ts";
export { harnessResults, parseResults, readResults, HarnessResults, type TaskMetrics } from "./results.ts";
export { cutAtStop, generateUntil, exactMatch } from "./generation.ts";
export { followed, looseVariants, checkResponse, ifevalMetrics, type Instruction } from "./ifeval.ts";
export { genItems, ifevalPrompts, type GenItem, type IfevalPrompt } from "./tasks.ts";
export { contaminatedCopy, answeredText } from "./contamination.ts";
export { COURSE_MODELS, int4Copy, sparseCopy, type CourseModel } from "./models.ts";
export { ortTokenNll, ortContinuationLogProb } from "./ort-reference.ts";
