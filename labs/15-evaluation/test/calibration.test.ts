import { describe, expect, it } from "vitest";
import { binOf, calibration } from "../src/calibration.ts";

describe("exercise: ece", () => {
  it("one question per bin: the mean gap between confidence and correctness (hand calculation)", () => {
    // 0.95 → bin (0.9, 1], right: gap 0.05; 0.9 → (0.8, 0.9], wrong: 0.9;
    // 0.55 → (0.5, 0.6], right: 0.45; 0.3 → (0.2, 0.3], wrong: 0.3. ECE = 1.7 / 4 = 0.425
    const c = calibration([0.95, 0.9, 0.55, 0.3], [1, 0, 1, 0], 10);
    expect(c.ece).toBeCloseTo(0.425, 10);
    expect(c.bins.map((b) => b.count)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1, 1]);
  });

  it("two questions in a bin are averaged before the gap is taken (hand calculation)", () => {
    // M = 5: 0.62 and 0.68 share (0.6, 0.8]: accuracy 1/2, confidence 0.65, weight 2/3 → 0.1;
    // 0.91 in (0.8, 1], right: gap 0.09, weight 1/3 → 0.03. ECE = 0.13
    const c = calibration([0.62, 0.68, 0.91], [1, 0, 1], 5);
    expect(c.ece).toBeCloseTo(0.13, 10);
    expect(c.bins[3]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(c.bins[3].confidence).toBeCloseTo(0.65, 10);
    expect(Number.isNaN(c.bins[0].accuracy)).toBe(true); // an empty bin has no accuracy
  });

  it("is 0 for a model that is right exactly as often as it says", () => {
    // four at 0.75, three of them right; two at 0.5, one right
    expect(calibration([0.75, 0.75, 0.75, 0.75, 0.5, 0.5], [1, 1, 1, 0, 1, 0], 10).ece).toBeCloseTo(0, 12);
  });
});

describe("the bins", () => {
  it("are right-closed: 0.9 is in (0.8, 0.9], 0 in the first", () => {
    expect([binOf(0.9, 10), binOf(0.9000001, 10), binOf(1, 10), binOf(0, 10)]).toEqual([8, 9, 9, 0]);
  });
});
