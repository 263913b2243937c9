// trainParallel: the micro-batches of each step on worker threads, summed in
// micro-batch order on the main thread. With the JS kernels every g_m is computed
// by the same code from the same weights, so any number of workers must give
// train()'s weights exactly: a bit-for-bit comparison, not a tolerance.
import { Worker } from "node:worker_threads";
import { describe, expect, it, vi } from "vitest";
import { createGPT } from "../src/gpt.ts";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { createLlama } from "../src/llama-params.ts";
import { train } from "../src/train.ts";
import { trainParallel } from "../src/train-workers.ts";
import { tinyLlamaJson, trainModelConfig, trainRun, trainStream } from "./helpers.ts";

const config = trainModelConfig;
const tokens = trainStream;
// accum = 3 so that 2 workers split it unevenly (worker 0 takes m = 0 and 2)
const cfg = { ...trainRun, accum: 3, steps: 4 };

describe("trainParallel", () => {
  it("1, 2 and 3 workers give train()'s losses and weights bit for bit (GPT-2)", async () => {
    const serial = createGPT(config, 7);
    const expected = train(serial, tokens, cfg);
    for (const workers of [1, 2, 3]) {
      const m = createGPT(config, 7);
      const seen: number[] = [];
      const losses = await trainParallel(m, tokens, cfg, { workers, kernels: "js" }, (s) =>
        seen.push(s.step),
      );
      expect(losses).toEqual(expected);
      expect(seen).toEqual([0, 1, 2, 3]);
      expect(m.params.flat).toEqual(serial.params.flat);
    }
  });

  it("trains a Llama the same way", async () => {
    const lc = parseLlamaConfig(tinyLlamaJson);
    const serial = createLlama(lc, 3);
    const expected = train(serial, tokens, { ...cfg, steps: 2 });
    const m = createLlama(lc, 3);
    expect(await trainParallel(m, tokens, { ...cfg, steps: 2 }, { workers: 2, kernels: "js" })).toEqual(
      expected,
    );
    expect(m.params.flat).toEqual(serial.params.flat);
  });

  it("a worker's error rejects with its message, and both workers are stopped", async () => {
    // Token 40 is outside vocab_size 32: the forward pass inside the worker throws.
    const bad = Uint16Array.from({ length: 200 }, () => 40);
    const terminate = vi.spyOn(Worker.prototype, "terminate");
    await expect(
      trainParallel(createGPT(config, 1), bad, cfg, { workers: 2, kernels: "js" }),
    ).rejects.toThrow(
      "training worker: token id 40 at [batch 0, position 0] is out of range: vocab_size is 32",
    );
    // both workers were stopped (terminate resolves with the exit code once a thread is gone)
    expect(terminate).toHaveBeenCalledTimes(2);
    for (const r of terminate.mock.results) expect(typeof (await r.value)).toBe("number");
    terminate.mockRestore();
  });

  it("rejects a worker count that is not a whole number ≥ 1", async () => {
    await expect(
      trainParallel(createGPT(config, 1), tokens, cfg, { workers: 0, kernels: "js" }),
    ).rejects.toThrow("trainParallel: workers must be a whole number ≥ 1, got 0");
  });
});
