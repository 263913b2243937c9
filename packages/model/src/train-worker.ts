// One training worker (started by train-workers.ts): computes the gradients of its
// share of each step's micro-batches, m = rank, rank + workers, …, into the shared
// buffers, and answers with their losses. The weights are read from shared memory,
// so the worker never holds a copy of its own.

import { parentPort, workerData } from "node:worker_threads";
import { setMatmulKernels } from "@llm-labs/tensor";
import type { GPT } from "./gpt.ts";
import { type Llama, viewLlamaParams } from "./llama-params.ts";
import { viewParams } from "./params.ts";
import { microStepper } from "./train.ts";
import type { WorkerReply, WorkerSetup } from "./train-workers.ts";

const port = parentPort;
if (!port) throw new Error("train-worker.ts runs as a worker thread (train-workers.ts starts it)");
const setup = workerData as WorkerSetup;
const send = (m: WorkerReply) => port.postMessage(m);

try {
  await setMatmulKernels(setup.kernels);
  const flat = new Float32Array(setup.params);
  const model: GPT | Llama =
    setup.config.model_type === "llama"
      ? { config: setup.config, params: viewLlamaParams(setup.config, flat).params }
      : ({ config: setup.config, params: viewParams(setup.config, flat).params } as GPT);
  const P = flat.length;
  const BT = setup.B * setup.T;
  const batches = new Int32Array(setup.batches);
  const microStep = microStepper(model, setup.B, setup.T);
  port.on("message", () => {
    try {
      const losses: [number, number][] = [];
      for (let m = setup.rank; m < setup.accum; m += setup.workers) {
        const g = new Float32Array(setup.grads, m * P * 4, P);
        g.fill(0);
        const x = batches.subarray(2 * m * BT, (2 * m + 1) * BT);
        const y = batches.subarray((2 * m + 1) * BT, (2 * m + 2) * BT);
        losses.push([m, microStep(x, y, g)]);
      }
      send({ losses });
    } catch (e) {
      send({ error: e instanceof Error ? e.message : String(e) });
    }
  });
  send({ ready: true });
} catch (e) {
  send({ error: e instanceof Error ? e.message : String(e) });
}
