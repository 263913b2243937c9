// Expert parallelism on 2 and 4 real workers against lab 07's single-process MoE block.
// The ranks compute each expert's contribution gate · MLP_e(x_t) on its own and add the
// k of them at home, where moeForward accumulates the k experts into one running sum:
// the same terms grouped differently, so they agree to float32 rounding (~1e-6 here).
import { describe, expect, it } from "vitest";
import { type MoeWeights, moeForward } from "@llm-labs/lab-llama";
import { Rng, randn } from "@llm-labs/tensor";
import type { ExpertParallelInput, ExpertParallelOutput } from "../src/expert-parallel.ts";
import { runWorld } from "../src/world.ts";

const [D, I, E, k, T] = [16, 24, 4, 2, 32];
const rng = new Rng(11);
const w: MoeWeights = {
  D,
  I,
  E,
  activation: "swiglu",
  Wr: randn(rng, [D, E]).data,
  Wg: randn(rng, [E, D, I]).data.map((v) => v * 0.3),
  Wu: randn(rng, [E, D, I]).data.map((v) => v * 0.3),
  Wd: randn(rng, [E, I, D]).data.map((v) => v * 0.3),
};
const x = randn(rng, [T, D]).data;
const dense = moeForward(x, w, T, { k }).y;
const task = { module: new URL("../src/expert-parallel.ts", import.meta.url), name: "expertParallelMoe" };

describe("expert parallel MoE", () => {
  for (const N of [2, 4]) {
    it(`${N} ranks, ${E / N} experts each, tokens split ${T / N} per rank: equals the one-process MoE`, async () => {
      const Tr = T / N;
      const res = await runWorld<ExpertParallelOutput>(
        task,
        { size: N, capacity: 4 * T * (D + 3) },
        (r): ExpertParallelInput => ({ weights: w, x: x.slice(r * Tr * D, (r + 1) * Tr * D), k }),
      );
      let worst = 0;
      res.forEach((r, rank) => {
        for (let i = 0; i < Tr * D; i++)
          worst = Math.max(worst, Math.abs(r.output.y[i] - dense[rank * Tr * D + i]));
      });
      expect(worst).toBeLessThan(1e-5);
      // every slot leaves and returns unless its expert is local: at most 2·k·Tr records
      const total = res.reduce((s, r) => s + r.output.sentFloats, 0);
      expect(total).toBeGreaterThan(0);
      expect(total).toBeLessThanOrEqual(N * k * Tr * (D + 3 + D + 1));
    });
  }

  it("refuses experts that do not split over the ranks", async () => {
    await expect(
      runWorld(task, { size: 3, capacity: 16 }, () => ({ weights: w, x: x.slice(0, D), k })),
    ).rejects.toThrow("expertParallelMoe: 4 experts do not split over 3 ranks");
  });
});
