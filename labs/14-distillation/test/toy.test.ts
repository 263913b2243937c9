import { describe, expect, it } from "vitest";
import { fitBump } from "../src/toy.ts";

describe("toy: what each divergence makes a one-bump student do", () => {
  it("forward KL covers both modes (μ between them, σ wide); reverse KL picks one (μ on it, σ the teacher's)", () => {
    // Teacher: bumps at 6 and 17 of width 1.5. A single bump that covers both sits
    // at their middle, (6 + 17) / 2 = 11.5; one that seeks a mode sits on 6, where it started nearer.
    const fwd = fitBump("forward KL");
    const rev = fitBump("reverse KL");
    expect(fwd.mu).toBeCloseTo(11.5, 1);
    expect(fwd.sigma).toBeGreaterThan(5);
    expect(rev.mu).toBeCloseTo(6, 1);
    expect(rev.sigma).toBeCloseTo(1.5, 1);
  });
});
