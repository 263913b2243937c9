// @llm-labs/lab-decoding: from a distribution to text, free or under a grammar.
export { temperature, softmax64 } from "./temperature.ts";
export { topK, topP, minP, typicalP, argsort, type TruncationOptions } from "./truncation.ts";
export { repetitionPenalty, frequencyPresencePenalty } from "./penalties.ts";
export { noRepeatNgram, badWords, minLength, minNewTokens, forcedEosAtMaxLength } from "./bans.ts";
export { SamplingConfig, parseSamplingConfig, processLogits, pick, generate } from "./sampler.ts";
export { tableModel, explicitModel, logSoftmax64, type NextLogits } from "./toy-model.ts";
export {
  beamSearch,
  beamStep,
  BeamHypotheses,
  type Beam,
  type BeamOptions,
  type Hypothesis,
} from "./beam-search.ts";
export { allOutputs } from "./brute-force.ts";
export * as ast from "./ast.ts";
export { charClass, ANY_BYTE } from "./char-class.ts";
export { parseRegex, MAX_REPEAT } from "./regex.ts";
export { Nfa } from "./nfa.ts";
export { determinize, type RuleDfa } from "./dfa.ts";
export { compileRules, compileRegex, type Grammar } from "./grammar.ts";
export { compileJsonSchema, MAX_INTEGER_RANGE } from "./json-schema.ts";
export { stepByte, feed, isComplete, liveBytes, startFrame, CALLER, type Frame } from "./pushdown.ts";
export { vocabFromTokenizerJson, specimenVocab, qwen3Vocab, tokensToBytes, type Vocab } from "./vocab.ts";
export { buildTrie, type Trie } from "./trie.ts";
export { walkTrie, tokenMask, maskWords, setBit, hasBit, countBits, maskToIds } from "./token-mask.ts";
export { CompiledGrammar } from "./mask-cache.ts";
export { forcedBytes, longestMatchTokens } from "./jump-forward.ts";
export { SpecimenLM, type IncrementalLM } from "./lm.ts";
export { generateConstrained, type ConstrainedOptions, type ConstrainedResult } from "./constrained.ts";
export {
  loadXGrammar,
  xgCompiler,
  xgCompileJson,
  xgCompileRegex,
  XGRAMMAR_JSON_OPTIONS,
  type XGrammar,
} from "./xgrammar.ts";
export { STORY_SCHEMA, SENTENCE_REGEX, STORY_PROMPT } from "./schemas.ts";
