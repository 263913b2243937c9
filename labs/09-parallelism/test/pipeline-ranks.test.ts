// The pipeline with one worker per stage against pipelineGradients on one thread:
// the same ops in the same order, so the same dW bit for bit; and the idle ticks of
// the real stages give the bubble (p − 1)/(m + p − 1) (p = 4, m = 8: 3/11, by hand).
import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { gpipeSchedule, oneFOneBSchedule, pipelineGradients } from "../src/pipeline.ts";
import { type StageInput, type StageOutput, pipelineStage } from "../src/pipeline-ranks.ts";
import { runLocalWorld, runWorld } from "../src/world.ts";

const rng = new Rng(3);
const vec = (n: number) => Float64Array.from({ length: n }, () => rng.normal(0, 1));
const [p, m] = [4, 8];
const dims = [6, 5, 7, 4, 3];
const W = Array.from({ length: p }, (_, s) => vec(dims[s + 1] * dims[s]).map((x) => x * 0.4));
const xs = Array.from({ length: m }, () => vec(dims[0]));
const ts = Array.from({ length: m }, () => vec(dims[p]));
const task = { module: new URL("../src/pipeline-ranks.ts", import.meta.url), name: "pipelineStage" };

describe("the pipeline, one rank per stage", () => {
  for (const [name, schedule, where] of [
    ["1F1B", oneFOneBSchedule(p, m), "workers"],
    ["GPipe", gpipeSchedule(p, m), "local"],
  ] as const) {
    it(`${name}, p = ${p}, m = ${m} (${where === "local" ? "ranks in this thread" : "worker threads"}): pipelineGradients' dW bit for bit, and the bubble 3/11`, async () => {
      const opts = { size: p, capacity: 2 * (2 + Math.max(...dims)) };
      const input = (s: number): StageInput => ({ schedule, dims, W: W[s], xs, ts });
      const res =
        where === "local"
          ? await runLocalWorld(pipelineStage, opts, input)
          : await runWorld<StageOutput>(task, opts, input);
      const ref = pipelineGradients(schedule, { dims, W }, xs, ts);
      res.forEach((r, s) => expect(r.output.dW).toEqual(ref.dW[s]));
      expect(res[p - 1].output.loss).toBe(ref.loss);
      const busy = res.reduce((a, r) => a + r.output.busyTicks, 0);
      const ticks = res[0].output.ticks; // (m + p − 1)·2 = 22 ticks
      expect(ticks).toBe(22);
      expect(1 - busy / (p * ticks)).toBeCloseTo(3 / 11, 12);
      // what each real stage held: m for GPipe, p − s for 1F1B
      expect(res.map((r) => r.output.peakHeld)).toEqual(name === "GPipe" ? [8, 8, 8, 8] : [4, 3, 2, 1]);
    });
  }
});
