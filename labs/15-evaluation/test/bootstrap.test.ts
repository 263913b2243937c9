import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { bootstrapStderr, mean, meanStderr } from "../src/bootstrap.ts";

describe("exercise: bootstrap-stderr", () => {
  it("two questions, one right: the resampled mean is 0, 1/2 or 1 (hand calculation)", () => {
    // P(0) = 1/4, P(1/2) = 1/2, P(1) = 1/4: variance = 1/4·1/2 + 1·1/4 − (1/2)² = 1/8,
    // so SE = √(1/8) = 0.35355.
    const se = bootstrapStderr([0, 1], mean, 20_000, new Rng(1));
    expect(Math.abs(se - Math.sqrt(1 / 8))).toBeLessThan(0.01);
  });

  it("of a mean of 0/1 values, agrees with the binomial formula √(p(1 − p)/n)", () => {
    // 30 right of 100: √(0.3 · 0.7 / 100) = 0.04583
    const xs = Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
    const se = bootstrapStderr(xs, mean, 4_000, new Rng(2));
    expect(Math.abs(se - Math.sqrt((0.3 * 0.7) / 100))).toBeLessThan(0.003);
  });

  it("is 0 when every question scores the same, and works for any statistic", () => {
    expect(bootstrapStderr([1, 1, 1, 1], mean, 100, new Rng(3))).toBe(0);
    // the maximum of a resample of {0, 5}: 5 unless both draws are 0 (1/4), so
    // SE = 5 · √(1/4 · 3/4) = 2.165
    const se = bootstrapStderr([0, 5], (s) => Math.max(...s), 20_000, new Rng(4));
    expect(Math.abs(se - 5 * Math.sqrt(3 / 16))).toBeLessThan(0.05);
  });
});

describe("the harness's closed form for a mean", () => {
  it("s / √n with the n − 1 sample deviation (hand calculation)", () => {
    // [0, 1, 1, 0]: mean 1/2, s² = 4 · 1/4 / 3 = 1/3, SE = √(1/3) / 2 = 0.288675
    expect(meanStderr([0, 1, 1, 0])).toBeCloseTo(Math.sqrt(1 / 3) / 2, 10);
  });
});
