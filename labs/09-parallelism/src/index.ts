// Lab 09's public API: the world of workers and its collectives, and each way of
// splitting a training run across them.
export { LocalComm, SharedComm, localWorld, worldMemory, type Comm, type WorldMemory } from "./comm.ts";
export { runLocalWorld, runWorld, type Task, type WorldOptions, type RankResult } from "./world.ts";
export {
  allGather,
  allReduce,
  allReduceNumber,
  allToAll,
  broadcast,
  chunk,
  reduceScatter,
} from "./collectives.ts";
export { dataParallelTrain, type DataParallelInput, type DataParallelOutput } from "./data-parallel.ts";
export { shardUpdate, zeroTrain, type Stage, type ZeroInput, type ZeroOutput } from "./zero.ts";
export {
  attentionShard,
  columnSlice,
  mlpShard,
  rowSlice,
  tensorParallelBlock,
  type BlockInput,
  type BlockOutput,
} from "./tensor-parallel.ts";
export {
  gpipeSchedule,
  oneFOneBSchedule,
  pipelineGradients,
  simulateSchedule,
  type Chain,
  type Op,
  type OpKind,
  type OpTimes,
  type PipelineGradients,
  type Schedule,
  type Simulation,
  type TimedOp,
} from "./pipeline.ts";
export { expertParallelMoe, type ExpertParallelInput, type ExpertParallelOutput } from "./expert-parallel.ts";
export {
  blockAttention,
  emptyPartial,
  mergeAttention,
  multiHeadRingAttention,
  ringAttention,
  type PartialAttention,
  type RingOptions,
  type RingResult,
} from "./ring-attention.ts";
export {
  bubbleFraction,
  estimatePlan,
  modelParams,
  planCommVolume,
  planMemory,
  planParallelism,
  planStepTime,
  ringAllReduceBytes,
  type Cluster,
  type CommVolume,
  type ModelShape,
  type Plan,
  type PlanEstimate,
  type PlanMemory,
  type PlannerResult,
  type StepTime,
  type Training,
} from "./cost-model.ts";
export { pipelineStage, type StageInput, type StageOutput } from "./pipeline-ranks.ts";
export { ringAttentionRank, type RingRankInput, type RingRankOutput } from "./ring-attention-ranks.ts";
