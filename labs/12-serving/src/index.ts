// Lab 12's public API.
export { BlockManager } from "./block-manager.ts";
export { blockHashes, lookupPrefix } from "./prefix-cache.ts";
export { KVPool, batchStore, pagedAttention, type Segment } from "./paged-attention.ts";
export { batchInvariantLinear, padRows, runBatch, type Chunk } from "./model-runner.ts";
export {
  Scheduler,
  tokensToSchedule,
  type Request,
  type Scheduled,
  type SchedulerConfig,
} from "./scheduler.ts";
export { VirtualTokenCounter, type Waiting } from "./vtc.ts";
export {
  Engine,
  type BatchingMode,
  type EngineOptions,
  type EngineRequest,
  type EngineStats,
  type FinishReason,
  type SamplingParams,
  type TokenEvent,
} from "./engine.ts";
