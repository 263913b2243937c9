// Exercise wsd-schedule: src/schedules.ts.
import { createGPT, makeConfig, trainTokens } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import {
  learningRate,
  lrRangeTest,
  pickLr,
  rangeLr,
  smoothLosses,
  type WSDSchedule,
  wsdLearningRate,
} from "../src/schedules.ts";

// η_max = 1, η_min = 0.1, 10 warmup steps, 100 steps, the last 20 decaying (S = 80).
const wsd = (shape: WSDSchedule["shape"]): WSDSchedule => ({
  maxLr: 1,
  minLr: 0.1,
  warmup: 10,
  total: 100,
  decay: 20,
  shape,
});

describe("exercise: wsd-schedule", () => {
  it("warms up like the cosine schedule: η_max·(step + 1)/warmup", () => {
    // step 0: 1·1/10 = 0.1; step 4: 5/10 = 0.5; step 9, the last warmup step: 10/10 = 1
    expect(wsdLearningRate(0, wsd("linear"))).toBeCloseTo(0.1, 12);
    expect(wsdLearningRate(4, wsd("linear"))).toBeCloseTo(0.5, 12);
    expect(wsdLearningRate(9, wsd("1-sqrt"))).toBeCloseTo(1, 12);
    const cosine = { maxLr: 1, minLr: 0.1, warmup: 10, total: 100 };
    for (let step = 0; step < 10; step++)
      expect(wsdLearningRate(step, wsd("linear"))).toBeCloseTo(learningRate(step, cosine), 12);
  });

  it("holds η_max through the stable phase, up to and including the first decay step", () => {
    // cosine at step 55 (r = (55 − 10)/90 = 1/2) is already down to 0.1 + ½·0.9 = 0.55; WSD is still at 1
    expect(learningRate(55, { maxLr: 1, minLr: 0.1, warmup: 10, total: 100 })).toBeCloseTo(0.55, 12);
    for (const step of [10, 45, 55, 79, 80]) expect(wsdLearningRate(step, wsd("linear"))).toBe(1);
  });

  it("decays linearly over the last 20 steps: hand values at r = 1/4, 1/2, 1", () => {
    // step 85: r = 5/20 = 1/4, η = 0.1 + 0.9·(3/4) = 0.775
    // step 90: r = 1/2,         η = 0.1 + 0.9·(1/2) = 0.55
    // step 100: r = 1,          η = 0.1; past the end it stays there
    expect(wsdLearningRate(85, wsd("linear"))).toBeCloseTo(0.775, 12);
    expect(wsdLearningRate(90, wsd("linear"))).toBeCloseTo(0.55, 12);
    expect(wsdLearningRate(100, wsd("linear"))).toBeCloseTo(0.1, 12);
    expect(wsdLearningRate(150, wsd("linear"))).toBe(0.1);
  });

  it("decays as 1 − √r with the 1-sqrt shape: hand values", () => {
    // step 85: √(1/4) = 1/2, η = 0.1 + 0.9·(1/2) = 0.55
    // step 90: √(1/2) = 0.70710678, η = 0.1 + 0.9·0.29289322 = 0.36360390
    // step 95: √(3/4) = 0.86602540, η = 0.1 + 0.9·0.13397460 = 0.22057714
    expect(wsdLearningRate(85, wsd("1-sqrt"))).toBeCloseTo(0.55, 12);
    expect(wsdLearningRate(90, wsd("1-sqrt"))).toBeCloseTo(0.3636039, 7);
    expect(wsdLearningRate(95, wsd("1-sqrt"))).toBeCloseTo(0.22057714, 7);
    expect(wsdLearningRate(100, wsd("1-sqrt"))).toBeCloseTo(0.1, 12);
  });

  it("refuses a decay longer than the run after warmup, in one line", () => {
    expect(() => wsdLearningRate(0, { ...wsd("linear"), decay: 95 })).toThrow(
      "wsdLearningRate: need 1 ≤ decay and warmup + decay ≤ total, got warmup 10, decay 95, total 100",
    );
  });
});

describe("the learning-rate range test", () => {
  it("ramps the rate exponentially: one decade per step from 1e-5 to 1 in 6 steps", () => {
    // η_i = 1e-5 · (1/1e-5)^(i/5) = 10^(i − 5)
    [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1].forEach((v, i) =>
      expect(rangeLr(i, 6, 1e-5, 1) / v).toBeCloseTo(1, 12),
    );
  });

  it("smooths with a bias-corrected moving average (hand values, β = 1/2)", () => {
    // s_0 = ½·0 + ½·2 = 1, reported 1/(1 − ½) = 2; s_1 = ½·1 + ½·0 = ½, reported ½/(1 − ¼) = 2/3
    const s = smoothLosses([2, 0], 0.5);
    expect(s[0]).toBeCloseTo(2, 12);
    expect(s[1]).toBeCloseTo(2 / 3, 12);
    // a constant loss stays constant: the correction undoes the start at 0
    for (const v of smoothLosses([3, 3, 3, 3])) expect(v).toBeCloseTo(3, 12);
  });

  it("picks the rate at the smoothed minimum, and suggests a tenth of it", () => {
    expect(pickLr([1e-4, 1e-3, 1e-2, 1e-1], [5, 4, 3.5, 9])).toEqual({ atMin: 1e-2, suggested: 1e-3 });
  });

  it("on a small GPT: the loss falls, then blows up, and the test stops itself", async () => {
    const model = createGPT(
      makeConfig({ n_layer: 1, n_head: 2, n_embd: 32, n_positions: 32, vocab_size: 1024 }),
      1,
    );
    const tokens = await trainTokens(20_000);
    const r = lrRangeTest(model, tokens, { lo: 1e-4, hi: 10, steps: 80, B: 4, T: 32, seed: 2, beta: 0.9 });
    const { atMin } = pickLr(r.lrs, r.smoothed);
    // ln 1024 = 6.93 at the start; the minimum comes well below it, at a rate between 1e-3 and 1
    expect(r.smoothed[0]).toBeGreaterThan(6.5);
    expect(Math.min(...r.smoothed)).toBeLessThan(r.smoothed[0] - 0.5);
    expect(atMin).toBeGreaterThan(1e-3);
    expect(atMin).toBeLessThan(1);
    // past it the loss rises again, until the smoothed loss passes 4× its minimum and the
    // test stops before its 80 steps (measured: minimum 6.13 at η ≈ 0.03, stop at step 73)
    expect(r.stoppedAt).toBeLessThan(80);
    expect(r.smoothed[r.stoppedAt - 1]).toBeGreaterThan(4 * Math.min(...r.smoothed));
  });
});
