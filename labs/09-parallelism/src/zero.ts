// ZeRO (Rajbhandari et al. 2020): data parallelism without N copies of everything.
// Rank r owns one shard of the parameter vector, chunk(P, N, r) (collectives.ts), and
// keeps only what the stage says it must:
//
//   stage 1 (P_os)      AdamW's m and v for its shard only         all-reduce g, update shard, all-gather θ
//   stage 2 (P_os+g)    and only its shard of the summed gradient  reduce-scatter g instead of all-reduce
//   stage 3 (P_os+g+p)  and only its shard of the weights          all-gather θ before the step's forward
//
// AdamW is element-wise, so updating a shard with a shard-sized AdamW gives exactly
// the numbers the full AdamW gives there. The one global quantity is the gradient norm
// for clipping: each rank sums the squares of its shard and an all-reduce adds the N
// partial sums. That adds in a different order than one thread does, so with clipping
// active the weights agree to float rounding, not bit for bit (test/zero.test.ts).
//
// Memory is counted as what a rank holds between steps (bytesHeld). Our backward
// writes a full-size gradient and stage 3 gathers the whole model at once; DeepSpeed
// does both bucket by bucket, layer by layer, so its transient buffers are smaller.

import {
  AdamW,
  type GPTConfig,
  type TrainConfig,
  createGPT,
  decayMask,
  learningRate,
  microStepper,
  sampleStep,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { allGather, allReduce, allReduceNumber, chunk, reduceScatter } from "./collectives.ts";
import type { Comm } from "./comm.ts";

export type Stage = 1 | 2 | 3;

export interface ZeroInput {
  config: GPTConfig;
  tokens: Uint16Array;
  cfg: TrainConfig; // cfg.accum = world size, as in data-parallel.ts
  stage: Stage;
}
export interface ZeroOutput {
  losses: number[];
  params: Float32Array; // gathered at the end, to compare
  bytesHeld: { weights: number; grads: number; optimizer: number };
}

// One shard's update, the heart of ZeRO-1: the summed gradient of this shard, g_shard
// (Σ over ranks, not yet divided), becomes the mean, is clipped by the *global* norm,
// and moves this shard of θ with this shard's AdamW. Then (stages 1 and 2) every rank's
// updated shard is gathered, so each holds all of θ again.
export async function shardUpdate(
  comm: Comm,
  theta: Float32Array, // [P] full weights; only chunk(P, N, rank) is updated here
  gShard: Float32Array, // [P/N] this shard's summed gradient
  opt: AdamW, // sized for this shard
  lr: number,
  gradClip: number,
  gather: boolean,
): Promise<void> {
  const N = comm.size;
  const [lo, hi] = chunk(theta.length, N, comm.rank);
  // #region exercise zero1-shard-update
  for (let i = 0; i < gShard.length; i++) gShard[i] /= N;
  let sq = 0;
  for (let i = 0; i < gShard.length; i++) sq += gShard[i] * gShard[i];
  const norm = Math.sqrt(await allReduceNumber(comm, sq));
  if (norm > gradClip) for (let i = 0; i < gShard.length; i++) gShard[i] *= gradClip / norm;
  opt.step(theta.subarray(lo, hi), gShard, lr);
  if (gather) await allGather(comm, theta);
  // #endregion
}

export async function zeroTrain(comm: Comm, input: ZeroInput): Promise<ZeroOutput> {
  const { config, tokens, cfg, stage } = input;
  const N = comm.size;
  if (cfg.accum !== N)
    throw new Error(`zeroTrain: cfg.accum (${cfg.accum}) must equal the world size (${N})`);
  const model = createGPT(config, cfg.seed);
  const theta = model.params.flat as Float32Array; // [P]
  const P = theta.length;
  const [lo, hi] = chunk(P, N, comm.rank);
  const opt = new AdamW(hi - lo, decayMask(model).subarray(lo, hi), { weightDecay: cfg.weightDecay });
  const schedule = { maxLr: cfg.maxLr, minLr: cfg.minLr, warmup: cfg.warmup, total: cfg.steps };
  const microStep = microStepper(model, cfg.batchSize, cfg.seqLen);
  const g = new Float32Array(P);
  const gShard = new Float32Array(hi - lo);
  const rng = new Rng(cfg.seed);
  const losses: number[] = [];
  for (let step = 0; step < cfg.steps; step++) {
    const { x, y } = sampleStep(rng, tokens, cfg)[comm.rank];
    // stage 3 keeps only θ's shard between steps: gather the rest before the forward
    if (stage === 3) await allGather(comm, theta);
    g.fill(0);
    const loss = microStep(x, y, g);
    if (stage === 1)
      await allReduce(comm, g); // every rank gets all of Σ g (and uses its shard)
    else await reduceScatter(comm, g); // only this rank's shard of Σ g is complete
    gShard.set(g.subarray(lo, hi));
    await shardUpdate(comm, theta, gShard, opt, learningRate(step, schedule), cfg.gradClip, stage !== 3);
    // stage 3 drops every weight it does not own: the next forward must gather them
    if (stage === 3) {
      theta.fill(0, 0, lo);
      theta.fill(0, hi);
    }
    const meanLoss = await allReduceNumber(comm, loss / N); // the global batch's, as in data-parallel.ts
    losses.push(meanLoss);
  }
  if (stage === 3) await allGather(comm, theta); // for the caller to compare
  const shard = (hi - lo) * 4;
  return {
    losses,
    params: theta,
    bytesHeld: {
      weights: stage === 3 ? shard : P * 4,
      grads: stage === 1 ? P * 4 : shard,
      optimizer: opt.m.byteLength + opt.v.byteLength,
    },
  };
}
