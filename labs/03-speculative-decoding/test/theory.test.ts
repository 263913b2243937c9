import { describe, expect, it } from "vitest";
import { bestGamma, expectedSpeedup, expectedTokensPerStep } from "../src/theory.ts";

describe("exercise: speedup-formula", () => {
  it("tokens per step by hand: α = .5, γ = 2 → 1 + .5 + .25 = 1.75; α = .8, γ = 4 → (1 − .8⁵)/.2 = 3.3616", () => {
    expect(expectedTokensPerStep(0.5, 2)).toBeCloseTo(1.75, 12);
    expect(expectedTokensPerStep(0.8, 4)).toBeCloseTo(3.3616, 12);
  });
  it("the ends: α = 0 gives 1 token (only the target's), α = 1 gives γ + 1", () => {
    expect(expectedTokensPerStep(0, 5)).toBe(1);
    expect(expectedTokensPerStep(1, 5)).toBe(6);
  });
  it("speedup by hand: α = .8, γ = 4, c = .2 → 3.3616 / (4·.2 + 1) = 1.86756", () => {
    expect(expectedSpeedup(0.8, 4, 0.2)).toBeCloseTo(1.86756, 5);
    expect(expectedSpeedup(0.5, 2, 0)).toBeCloseTo(1.75, 12); // a free draft: speedup = tokens per step
  });
  it("best γ for α = .8, c = .2 is 4 (S = 1.5, 1.743, 1.845, 1.868, 1.845 for γ = 1 … 5)", () => {
    expect(bestGamma(0.8, 0.2)).toBe(4);
  });
  it("α outside [0, 1] is an error", () => {
    expect(() => expectedTokensPerStep(1.2, 3)).toThrow(/α must be in \[0, 1\]/);
  });
});
