// Lab 16's public API.
export {
  shingleHashes,
  scanUnits,
  jaccard,
  unitHash,
  fmix32,
  isHan,
  isWordChar,
  type Units,
} from "./shingles.ts";
export { minHasher, signature, estimateJaccard, type MinHasher } from "./minhash.ts";
export { bandKeys, bandChecks, collide, sCurve, threshold, type Banding } from "./lsh.ts";
export { BandIndex, SignatureStore } from "./band-index.ts";
export { ExactDedup, exactHash } from "./exact.ts";
export { gopherReject, topNgramFraction, duplicateLineFraction, wordStats, GOPHER } from "./quality.ts";
export { c4LineReject, c4Lines } from "./c4.ts";
export { trainLid, trainingLines, identify, keptFraction, LANGS, type LidModel } from "./lid.ts";
export { scrubPii } from "./pii.ts";
export {
  dirtyDocuments,
  take,
  mutate,
  replaceRate,
  luhnValid,
  DEFAULT_MIX,
  type Doc,
  type Truth,
} from "./dirty-corpus.ts";
export {
  Pipeline,
  Analyzer,
  Decider,
  DEFAULT_PIPELINE,
  STAGES,
  type PipelineConfig,
  type Verdict,
} from "./pipeline.ts";
export { Scorer, precision, recall, type Counts } from "./score.ts";
export { writeDirtyCorpus, runStream, DATA_DIR, type StreamResult } from "./stream.ts";
export { answerLosses, ifdScore, selectByIfd } from "./ifd.ts";
export { measureSCurve, type SCurveBin } from "./s-curve.ts";
