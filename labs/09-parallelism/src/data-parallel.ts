// Data parallelism (DDP, Li et al. 2020): every rank holds the whole model and the
// whole optimizer; each step, rank r computes the gradient of its own micro-batch of
// the global batch, an all-reduce sums the gradients, and every rank takes the same
// AdamW step from the same weights, so the replicas never drift apart.
//
//   g = Σ_r g_r  (all-reduce)        θ ← AdamW(θ, g / N)   on every rank
//
// The global batch of a step is the N micro-batches train() would draw for accum = N
// (the same seeded Rng on every rank, so each knows the whole batch and takes its
// part). For N = 2 the all-reduce adds g_0 + g_1 in the order train() does, so 2 ranks
// and 1 thread give the same weights bit for bit (test/data-parallel.test.ts).

import {
  type GPTConfig,
  Optimizer,
  type TrainConfig,
  createGPT,
  microStepper,
  sampleStep,
} from "@llm-labs/model";
import { type MatmulKernels, Rng, setMatmulKernels } from "@llm-labs/tensor";
import { allReduce, allReduceNumber } from "./collectives.ts";
import type { Comm } from "./comm.ts";

export interface DataParallelInput {
  config: GPTConfig;
  tokens: Uint16Array; // the training stream (each rank gets a copy)
  cfg: TrainConfig; // cfg.accum must equal the world size: one micro-batch per rank
  kernels: MatmulKernels;
}
export interface DataParallelOutput {
  losses: number[]; // the global batch's mean loss per step
  params: Float32Array; // the weights after training (every rank's are equal)
  seconds: number; // wall time of the steps after the first
}

export async function dataParallelTrain(comm: Comm, input: DataParallelInput): Promise<DataParallelOutput> {
  const { config, tokens, cfg } = input;
  const N = comm.size;
  if (cfg.accum !== N)
    throw new Error(`dataParallelTrain: cfg.accum (${cfg.accum}) must equal the world size (${N})`);
  await setMatmulKernels(input.kernels);
  const model = createGPT(config, cfg.seed); // the same seed: the same initial weights on every rank
  const microStep = microStepper(model, cfg.batchSize, cfg.seqLen);
  const optimizer = new Optimizer(model, cfg); // divides by cfg.accum = N, clips, AdamW
  const rng = new Rng(cfg.seed);
  const g = new Float32Array(model.params.flat.length);
  const losses: number[] = [];
  let t1 = 0;
  for (let step = 0; step < cfg.steps; step++) {
    if (step === 1) t1 = performance.now();
    const batch = sampleStep(rng, tokens, cfg); // all N micro-batches; this rank's is batch[rank]
    // #region exercise dp-step
    const { x, y } = batch[comm.rank];
    g.fill(0);
    const loss = microStep(x, y, g);
    await allReduce(comm, g);
    optimizer.step(step, g);
    losses.push(await allReduceNumber(comm, loss / N));
    // #endregion
  }
  return { losses, params: model.params.flat as Float32Array, seconds: (performance.now() - t1) / 1000 };
}
