// Exercise loss-scale-update: src/loss-scale.ts.
import { describe, expect, it } from "vitest";
import { hasInfOrNaN, LossScaler } from "../src/loss-scale.ts";

// Runs a scaler over a sequence of found-inf flags; returns each step's decision and scale after it.
function run(scaler: LossScaler, flags: boolean[]): { decisions: string[]; scales: number[] } {
  const decisions: string[] = [];
  const scales: number[] = [];
  for (const f of flags) {
    decisions.push(scaler.update(f));
    scales.push(scaler.scale);
  }
  return { decisions, scales };
}

describe("exercise: loss-scale-update", () => {
  it("starts from PyTorch GradScaler's defaults", () => {
    const s = new LossScaler();
    expect([s.scale, s.growthFactor, s.backoffFactor, s.growthInterval]).toEqual([65536, 2, 0.5, 2000]);
  });

  it("halves the scale and skips the step on every overflow", () => {
    // 2^16 → inf → 2^15 → inf → 2^14 → inf → 2^13, three skipped steps
    const s = new LossScaler();
    const r = run(s, [true, true, true]);
    expect(r.decisions).toEqual(["skip", "skip", "skip"]);
    expect(r.scales).toEqual([2 ** 15, 2 ** 14, 2 ** 13]);
    expect(s.skipped).toBe(3);
  });

  it("doubles the scale after growthInterval good steps in a row, by hand", () => {
    // interval 3, S₀ = 8:
    //   step 1 ok (good 1)  step 2 ok (good 2)  step 3 ok (good 3 = interval: S = 16, good 0)
    //   step 4 ok (good 1)  step 5 inf (S = 8, good 0, skipped)
    //   step 6 ok (1)  step 7 ok (2)  step 8 ok (3: S = 16)  step 9 ok (1)
    const s = new LossScaler({ initScale: 8, growthInterval: 3 });
    const r = run(s, [false, false, false, false, true, false, false, false, false]);
    expect(r.decisions).toEqual(["step", "step", "step", "step", "skip", "step", "step", "step", "step"]);
    expect(r.scales).toEqual([8, 8, 16, 16, 8, 8, 8, 16, 16]);
    expect(s.goodSteps).toBe(1);
  });

  it("resets the good-step counter on overflow: two good, inf, two good does not grow", () => {
    // interval 3: without the reset, the 4th good step would count as the 3rd and double S
    const s = new LossScaler({ initScale: 4, growthInterval: 3 });
    expect(run(s, [false, false, true, false, false]).scales).toEqual([4, 4, 2, 2, 2]);
  });

  it("settles just under the overflow threshold", () => {
    // gradients overflow whenever S > 2^10 (say the largest |g| is 60 and 60·2^10 < 65504 < 60·2^11)
    // From 2^16 it backs off 6 times to 2^10, then, with interval 2, tries 2^11 every 2 good
    // steps, overflows there and comes back: the familiar saw-tooth of a loss-scale log.
    const s = new LossScaler({ growthInterval: 2 });
    const scales: number[] = [];
    for (let i = 0; i < 15; i++) {
      s.update(60 * s.scale > 65504);
      scales.push(Math.log2(s.scale));
    }
    expect(scales).toEqual([15, 14, 13, 12, 11, 10, 10, 11, 10, 10, 11, 10, 10, 11, 10]);
  });

  it("uses other growth and backoff factors as given", () => {
    const s = new LossScaler({ initScale: 100, growthFactor: 4, backoffFactor: 0.25, growthInterval: 1 });
    expect(run(s, [false, true, true]).scales).toEqual([400, 100, 25]);
  });

  it("a static scaler never changes its scale, but still skips an overflowing step", () => {
    const s = LossScaler.constant(1024);
    const r = run(s, [false, true, false, false]);
    expect(r.decisions).toEqual(["step", "skip", "step", "step"]);
    expect(r.scales).toEqual([1024, 1024, 1024, 1024]);
  });

  it("finds inf and NaN, and only those", () => {
    expect(hasInfOrNaN(Float32Array.of(1, -65504, 0, 1e-30))).toBe(false);
    expect(hasInfOrNaN(Float32Array.of(1, Number.POSITIVE_INFINITY))).toBe(true);
    expect(hasInfOrNaN(Float32Array.of(Number.NaN, 0))).toBe(true);
    expect(hasInfOrNaN([Number.NEGATIVE_INFINITY])).toBe(true);
  });
});
