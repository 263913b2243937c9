// Training on every core: the micro-batches of a step computed by worker threads.
//
// A step's gradient is a sum over its micro-batches, g = Σ_m g_m (train.ts), and the
// g_m do not depend on each other: the same weights, different tokens. So W workers
// can compute them at once, worker w taking micro-batches m = w, w + W, w + 2W, …
// This is data parallelism on one machine (lab 09 builds it across devices, with the
// all-reduce): here the "all-reduce" is the main thread adding buffers that every
// thread can see.
//
// Memory shared between threads (SharedArrayBuffer, no copies):
//   params   [P]              float32  the weights; the main thread writes them before each step
//   grads    [accum, P]       float32  micro-batch m's gradient, written by its worker only
//   batches  [accum, 2, B·T]  int32    micro-batch m's inputs x and targets y
// Each step: main writes params and batches, posts "step" to every worker, waits for
// all of them to answer with their losses, sums the gradients in order m = 0, 1, …
// (sumMicroBatches) and takes the AdamW step itself. Because every g_m is computed
// from zero and summed in the same order, 1, 2 or 3 workers and train() on one thread
// give the same weights bit for bit (test/train-parallel.test.ts).

import { Worker } from "node:worker_threads";
import { type MatmulKernels, Rng } from "@llm-labs/tensor";
import type { GPT } from "./gpt.ts";
import type { Llama } from "./llama-params.ts";
import { Optimizer, sampleStep, type StepInfo, sumMicroBatches, type TrainConfig } from "./train.ts";

export interface ParallelOptions {
  workers: number; // threads computing micro-batches; more than cfg.accum would idle
  kernels: MatmulKernels; // the matmul kernels every worker runs (@llm-labs/tensor)
}

// What `npm run train` uses: both cores of the course's laptop, and the SIMD matmul.
// Measured on the 2-core machine: README of lab 08, §8, and bench/train-speed.bench.ts.
export const FAST_TRAINING: ParallelOptions = { workers: 2, kernels: "simd" };

// Sent once to every worker (structured clone; the buffers are shared, not copied).
export interface WorkerSetup {
  config: GPT["config"] | Llama["config"];
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  batches: SharedArrayBuffer;
  B: number;
  T: number;
  accum: number;
  rank: number;
  workers: number;
  kernels: MatmulKernels;
}
export type WorkerReply = { ready: true } | { losses: [number, number][] } | { error: string };

const BOOTSTRAP = new URL("./train-worker.mjs", import.meta.url);

// Starts the workers and resolves once every one has set itself up.
async function startWorkers(setups: WorkerSetup[]): Promise<Worker[]> {
  const workers = setups.map((s) => new Worker(BOOTSTRAP, { workerData: s }));
  try {
    await Promise.all(workers.map((w) => reply(w)));
    return workers;
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
}

// The worker's next answer; a worker that throws or exits rejects with its message.
function reply(w: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const done = () => {
      w.off("message", onMessage);
      w.off("error", onError);
      w.off("exit", onExit);
    };
    const onMessage = (m: WorkerReply) => {
      done();
      if ("error" in m) reject(new Error(`training worker: ${m.error}`));
      else resolve(m);
    };
    const onError = (e: Error) => {
      done();
      reject(new Error(`training worker: ${e.message}`));
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`training worker exited with code ${code} before answering`));
    };
    w.on("message", onMessage);
    w.on("error", onError);
    w.on("exit", onExit);
  });
}

// train() (train.ts) with the micro-batches of each step spread over worker threads.
// The workers are always terminated, also when a step fails.
export async function trainParallel(
  model: GPT | Llama,
  tokens: ArrayLike<number>,
  cfg: TrainConfig,
  opts: ParallelOptions,
  onStep?: (s: StepInfo) => void,
): Promise<number[]> {
  if (!(model.params.flat instanceof Float32Array))
    throw new Error("trainParallel: trains float32 models only (float64 is for gradient checks)");
  if (!Number.isInteger(opts.workers) || opts.workers < 1)
    throw new Error(`trainParallel: workers must be a whole number ≥ 1, got ${opts.workers}`);
  const P = model.params.flat.length;
  const BT = cfg.batchSize * cfg.seqLen;
  const W = Math.min(opts.workers, cfg.accum);
  const shared = {
    params: new SharedArrayBuffer(P * 4),
    grads: new SharedArrayBuffer(cfg.accum * P * 4),
    batches: new SharedArrayBuffer(cfg.accum * 2 * BT * 4),
  };
  const params = new Float32Array(shared.params);
  const grads = Array.from({ length: cfg.accum }, (_, m) => new Float32Array(shared.grads, m * P * 4, P));
  const batches = new Int32Array(shared.batches);
  const workers = await startWorkers(
    Array.from({ length: W }, (_, rank) => ({
      config: model.config,
      ...shared,
      B: cfg.batchSize,
      T: cfg.seqLen,
      accum: cfg.accum,
      rank,
      workers: W,
      kernels: opts.kernels,
    })),
  );
  try {
    const rng = new Rng(cfg.seed);
    const optimizer = new Optimizer(model, cfg);
    const total = new Float32Array(P);
    const losses: number[] = [];
    let tokensSeen = 0;
    for (let step = 0; step < cfg.steps; step++) {
      params.set(model.params.flat);
      sampleStep(rng, tokens, cfg).forEach(({ x, y }, m) => {
        batches.set(x, 2 * m * BT);
        batches.set(y, (2 * m + 1) * BT);
      });
      const answers = workers.map((w) => reply(w));
      for (const w of workers) w.postMessage("step");
      const perMicroBatch = new Float64Array(cfg.accum);
      for (const a of await Promise.all(answers))
        if ("losses" in a) for (const [m, l] of a.losses) perMicroBatch[m] = l;
      // the step's loss, summed in micro-batch order as train() sums it
      let loss = 0;
      for (let m = 0; m < cfg.accum; m++) loss += perMicroBatch[m] / cfg.accum;
      tokensSeen += cfg.accum * BT;
      sumMicroBatches(total, grads);
      const { lr, gradNorm } = optimizer.step(step, total);
      losses.push(loss);
      onStep?.({ step, loss, lr, gradNorm, tokens: tokensSeen });
    }
    return losses;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
