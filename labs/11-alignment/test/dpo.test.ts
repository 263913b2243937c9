import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { dpoLoss, type PairLogProbs } from "../src/dpo.ts";

const pairs = (chosen: number[], rejected: number[]) => ({ chosen, rejected }) satisfies PairLogProbs;

describe("exercise: dpo-loss", () => {
  // Step 0: the policy IS the reference, so every log-ratio is 0 and every h_i = 0:
  //   L = −(1/P) Σ_i log σ(0) = −log ½ = ln 2,   whatever β and the log-probs are.
  // The gradient there is not 0. With d/dh log σ(h) = σ(−h) and ∂h/∂log π(y_w) = β:
  //   ∂L/∂log π(y_w)_i = −(1/P)·σ(−0)·β = −β/(2P),    ∂L/∂log π(y_l)_i = +β/(2P)
  // so a loss stuck at 0.6931 is never DPO's fault at step 0: the first step always moves.
  it("is ln 2 at step 0 for any β, with gradient ∓β/(2P), not 0", () => {
    const rng = new Rng(5);
    for (const [P, beta] of [
      [1, 0.1],
      [4, 0.5],
      [7, 3],
    ]) {
      const logps = pairs(
        Array.from({ length: P }, () => -50 * rng.next()),
        Array.from({ length: P }, () => -50 * rng.next()),
      );
      const { loss, dChosen, dRejected } = dpoLoss(logps, logps, beta);
      expect(loss).toBeCloseTo(Math.LN2, 14);
      for (let i = 0; i < P; i++) {
        expect(dChosen[i]).toBeCloseTo(-beta / (2 * P), 14);
        expect(dRejected[i]).toBeCloseTo(beta / (2 * P), 14);
      }
    }
  });

  // β = ½, two pairs:
  //   pair 0: π_w − ref_w = −10 − (−12) = 2,   π_l − ref_l = −9 − (−8) = −1   h = ½·(2 + 1)  = 1.5
  //   pair 1: π_w − ref_w = −5 − (−4) = −1,    π_l − ref_l = −7 − (−8) = 1    h = ½·(−1 − 1) = −1
  //   L = ½·[log(1 + e^−1.5) + log(1 + e^1)] = ½·(0.201413 + 1.313262) = 0.757337
  //   ∂L/∂π_w = −(β/P)·σ(−h) = −¼·σ(−h):   pair 0: −¼·0.182426 = −0.045606,  pair 1: −¼·0.731059 = −0.182765
  const policy = pairs([-10, -5], [-9, -7]);
  const reference = pairs([-12, -4], [-8, -8]);

  it("matches a hand-computed pair of pairs, loss and gradient", () => {
    const { loss, dChosen, dRejected } = dpoLoss(policy, reference, 0.5);
    expect(loss).toBeCloseTo(0.5 * (Math.log(1 + Math.exp(-1.5)) + Math.log(1 + Math.E)), 12);
    expect(loss).toBeCloseTo(0.757337, 6);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    expect(dChosen[0]).toBeCloseTo(-0.25 * sig(-1.5), 12);
    expect(dChosen[1]).toBeCloseTo(-0.25 * sig(1), 12);
    expect(dChosen[0]).toBeCloseTo(-0.045606, 6);
    expect(dChosen[1]).toBeCloseTo(-0.182765, 6);
    expect(Array.from(dRejected)).toEqual(Array.from(dChosen, (g) => -g));
  });

  // Same pairs: implicit rewards r̂ = β·(π − ref):
  //   chosen   pair 0: ½·2 = 1,      pair 1: ½·(−1) = −0.5    mean 0.25
  //   rejected pair 0: ½·(−1) = −0.5, pair 1: ½·1 = 0.5       mean 0
  //   margins 0.25 − 0 = 0.25; accuracies: pair 0 right (1 > −0.5), pair 1 wrong → ½
  it("reports TRL's metrics: rewards/chosen, rejected, margins, accuracies (strict >)", () => {
    const { metrics } = dpoLoss(policy, reference, 0.5);
    expect(metrics["rewards/chosen"]).toBeCloseTo(0.25, 12);
    expect(metrics["rewards/rejected"]).toBeCloseTo(0, 12);
    expect(metrics["rewards/margins"]).toBeCloseTo(0.25, 12);
    expect(metrics["rewards/accuracies"]).toBe(0.5);
    expect(metrics["logps/chosen"]).toBe(-7.5);
    expect(metrics["logps/rejected"]).toBe(-8);
    // A tie is not a win: at step 0 every reward is 0 and the accuracy is 0, not ½.
    expect(dpoLoss(policy, policy, 0.1).metrics["rewards/accuracies"]).toBe(0);
  });

  it("gives the gradient of its own loss (central finite differences)", () => {
    const rng = new Rng(7);
    const P = 5;
    const beta = 0.3;
    const draw = () => Array.from({ length: P }, () => -30 * rng.next());
    const pol = pairs(draw(), draw());
    const ref = pairs(draw(), draw());
    const { dChosen, dRejected } = dpoLoss(pol, ref, beta);
    const eps = 1e-6;
    for (const side of ["chosen", "rejected"] as const) {
      for (let i = 0; i < P; i++) {
        const at = (delta: number) => {
          const moved = { ...pol, [side]: pol[side].map((v, j) => (j === i ? v + delta : v)) };
          return dpoLoss(moved, ref, beta).loss;
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        expect((side === "chosen" ? dChosen : dRejected)[i]).toBeCloseTo(fd, 8);
      }
    }
  });

  // h = β·(log-ratio margin) = −2000: L = log(1 + e^2000) = 2000 exactly in float64, not ∞.
  it("stays finite when a pair is ordered very wrongly", () => {
    const { loss, dChosen } = dpoLoss(pairs([-4000], [0]), pairs([0], [0]), 0.5);
    expect(loss).toBe(2000);
    expect(dChosen[0]).toBe(-0.5);
  });
});

describe("dpoLoss input checks", () => {
  it("names the arrays whose sizes differ, and refuses β ≤ 0", () => {
    expect(() => dpoLoss(pairs([-1, -2], [-1]), pairs([-1, -2], [-1, -2]), 0.1)).toThrow(
      /policy.rejected has 1 entries but policy.chosen has 2/,
    );
    expect(() => dpoLoss(pairs([-1], [-1]), pairs([-1], [-1]), 0)).toThrow(/beta must be .* > 0/);
    expect(() => dpoLoss(pairs([], []), pairs([], []), 0.1)).toThrow(/no pairs/);
  });
});
