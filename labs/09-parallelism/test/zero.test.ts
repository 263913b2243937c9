// ZeRO stages 1–3 on two real workers against train()'s unsharded AdamW on one thread.
//
// With clipping out of the way (gradClip = ∞) every number is computed as train()
// computes it: the same g_0 + g_1, the same element-wise AdamW on each shard. So the
// weights after 10 steps must be equal bit for bit. With clipping on, the global norm
// is summed shard by shard (a different order), so there we allow float rounding.
//
// Memory, by hand, for P parameters in float32 on N = 2 ranks (16 bytes a parameter
// unsharded: 4 weights, 4 gradients, 8 for Adam's m and v), lab 08's zeroMemory:
//   stage 1: 4P + 4P + 8P/2      stage 2: 4P + 4P/2 + 8P/2      stage 3: (4P + 4P + 8P)/2
import { describe, expect, it } from "vitest";
import { FP32_ADAM, zeroMemory } from "@llm-labs/lab-training";
import { createGPT, train, type TrainConfig } from "@llm-labs/model";
import { runLocalWorld, runWorld } from "../src/world.ts";
import { type Stage, type ZeroOutput, zeroTrain } from "../src/zero.ts";
import { base, config, tokens } from "./setup.ts";

const task = { module: new URL("../src/zero.ts", import.meta.url), name: "zeroTrain" };
const P = createGPT(config, 0).params.flat.length;

// two ranks, in this thread or on worker threads
async function zero(
  stage: Stage,
  cfg: TrainConfig,
  where: "local" | "workers" = "local",
): Promise<ZeroOutput[]> {
  const opts = { size: 2, capacity: Math.ceil(P / 2) + 1 };
  const input = () => ({ config, tokens, cfg, stage });
  const res =
    where === "local"
      ? await runLocalWorld(zeroTrain, opts, input)
      : await runWorld<ZeroOutput>(task, opts, input);
  return res.map((r) => r.output);
}

describe("exercise: zero1-shard-update", () => {
  const noClip = { ...base, steps: 10, gradClip: Infinity };
  const serial = createGPT(config, base.seed);
  const losses = train(serial, tokens, noClip);

  for (const [stage, where] of [
    [1, "local"],
    [2, "local"],
    [3, "local"],
    [3, "workers"],
  ] as [Stage, "local" | "workers"][]) {
    it(`stage ${stage} (${where === "local" ? "ranks in this thread" : "worker threads"}): 10 steps give train()'s weights bit for bit; memory is lab 08's formula`, async () => {
      const ranks = await zero(stage, noClip, where);
      expect(ranks[0].losses).toEqual(losses);
      for (const r of ranks) expect(r.params).toEqual(serial.params.flat);
      const expected = zeroMemory(P, 2, stage, FP32_ADAM);
      // P is odd or even: the two shards are ⌊P/2⌋ and ⌈P/2⌉, so compare the pair's sum
      const sum = (k: "weights" | "grads" | "optimizer") => ranks[0].bytesHeld[k] + ranks[1].bytesHeld[k];
      expect(sum("optimizer")).toBe(2 * expected.optimizer);
      expect(sum("grads")).toBe(2 * expected.grads);
      expect(sum("weights")).toBe(2 * expected.weights);
    });
  }

  it("with clipping active, stage 2 agrees with train() to float rounding", async () => {
    const cfg = { ...base, steps: 10 }; // gradClip = 1: the early steps clip
    const ref = createGPT(config, cfg.seed);
    train(ref, tokens, cfg);
    const [r0] = await zero(2, cfg);
    let worst = 0;
    for (let i = 0; i < P; i++) worst = Math.max(worst, Math.abs(r0.params[i] - ref.params.flat[i]));
    expect(worst).toBeLessThan(1e-5); // the same margin as data-parallel.test.ts, same reasoning
  });
});
