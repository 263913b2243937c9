// Data parallelism on two real worker threads against train() on one thread, on the
// same global batch: two micro-batches a step, one per rank (train()'s accum = 2).
// For N = 2 the ring all-reduce adds g_1 + g_0 = g_0 + g_1, which is train()'s sum, so the
// weights after 20 steps must be equal bit for bit. For N = 3 the ring adds each chunk
// in a rotated order ((g_{c+1} + g_{c+2}) + g_c), so there we allow float rounding.
import { describe, expect, it } from "vitest";
import { createGPT, train, type TrainConfig } from "@llm-labs/model";
import { type DataParallelInput, type DataParallelOutput, dataParallelTrain } from "../src/data-parallel.ts";
import { runLocalWorld, runWorld } from "../src/world.ts";
import { base, config, tokens } from "./setup.ts";

const task = { module: new URL("../src/data-parallel.ts", import.meta.url), name: "dataParallelTrain" };

// cfg.accum ranks, in this thread or on worker threads
async function dataParallel(
  cfg: TrainConfig,
  where: "local" | "workers" = "local",
): Promise<DataParallelOutput[]> {
  const P = createGPT(config, 0).params.flat.length;
  const opts = { size: cfg.accum, capacity: Math.ceil(P / cfg.accum) + 1 };
  const input = (): DataParallelInput => ({ config, tokens, cfg, kernels: "js" });
  const res =
    where === "local"
      ? await runLocalWorld(dataParallelTrain, opts, input)
      : await runWorld<DataParallelOutput>(task, opts, input);
  return res.map((r) => r.output);
}

describe("exercise: dp-step", () => {
  const serial = createGPT(config, base.seed);
  const losses = train(serial, tokens, base);
  for (const where of ["local", "workers"] as const)
    it(`2 ranks (${where === "local" ? "in this thread" : "worker threads"}), 20 steps: the same losses and weights as train(), bit for bit`, async () => {
      const [r0, r1] = await dataParallel(base, where);
      expect(r0.losses).toEqual(losses);
      expect(r0.params).toEqual(serial.params.flat);
      expect(r1.params).toEqual(r0.params); // the replicas never drift apart
    });

  it("3 ranks: equal to train() with accum = 3 up to float rounding", async () => {
    const cfg = { ...base, accum: 3, steps: 10 };
    const serial = createGPT(config, cfg.seed);
    const losses = train(serial, tokens, cfg);
    const ranks = await dataParallel(cfg);
    let worst = 0;
    for (let i = 0; i < serial.params.flat.length; i++)
      worst = Math.max(worst, Math.abs(ranks[0].params[i] - serial.params.flat[i]));
    // 10 AdamW steps of lr ≤ 1e-2 move a weight by at most ~0.1; a few float32 ulps of
    // that is ~1e-8, and the rounding differences feed back through the steps: 1e-5
    // leaves a margin, while a missing or doubled gradient moves weights by ~1e-2.
    expect(worst).toBeLessThan(1e-5);
    expect(worst).toBeGreaterThan(0); // the order did change something (so the test is honest)
    for (let s = 0; s < losses.length; s++) expect(ranks[0].losses[s]).toBeCloseTo(losses[s], 5);
    expect(ranks[2].params).toEqual(ranks[0].params);
  });

  it("refuses a global batch that does not give one micro-batch per rank", async () => {
    const P = createGPT(config, 0).params.flat.length;
    await expect(
      runWorld(task, { size: 2, capacity: P }, () => ({
        config,
        tokens,
        cfg: { ...base, accum: 3 },
        kernels: "js",
      })),
    ).rejects.toThrow("dataParallelTrain: cfg.accum (3) must equal the world size (2)");
  });
});
