import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { log1mexp, orpoLoss } from "../src/orpo.ts";

const L2 = Math.log(2);
const L3 = Math.log(3);
const one = (chosen: number, rejected: number) => ({ chosen: [chosen], rejected: [rejected] });

describe("exercise: orpo-odds-ratio", () => {
  // One pair, λ = 0.1:
  //   chosen:   2 tokens, summed log-prob −2·ln 2 → ℓ_w = −ln 2, P(y_w) = ½, odds = ½/½ = 1,   log odds = 0
  //   rejected: 3 tokens, summed log-prob −3·ln 4 → ℓ_l = −ln 4, P(y_l) = ¼, odds = ¼/¾ = ⅓,  log odds = −ln 3
  //   z = 0 − (−ln 3) = ln 3,  σ(z) = 3/(1 + 3) = ¾,  L_OR = −log ¾ = ln(4/3) = 0.287682
  //   L = −ℓ_w + λ·L_OR = ln 2 + 0.1·ln(4/3) = 0.693147 + 0.028768 = 0.721915
  // Gradient, with σ(−z) = ¼:
  //   ∂L_OR/∂ℓ_w = −¼/(1 − ½) = −½     ∂L/∂S_w = (−1 + 0.1·(−½))/2 = −0.525
  //   ∂L_OR/∂ℓ_l = +¼/(1 − ¼) = ⅓      ∂L/∂S_l = 0.1·⅓/3 = 1/90
  it("matches a hand-computed pair: odds 1 against odds ⅓", () => {
    const { loss, dChosen, dRejected, metrics } = orpoLoss(one(-2 * L2, -3 * Math.log(4)), one(2, 3), 0.1);
    expect(loss).toBeCloseTo(L2 + 0.1 * Math.log(4 / 3), 12);
    expect(loss).toBeCloseTo(0.721915, 6);
    expect(dChosen[0]).toBeCloseTo(-0.525, 12);
    expect(dRejected[0]).toBeCloseTo(1 / 90, 12);
    expect(metrics.nll_loss).toBeCloseTo(L2, 12);
    expect(metrics.log_odds_chosen).toBeCloseTo(L3, 12);
    expect(metrics.log_odds_ratio).toBeCloseTo(Math.log(3 / 4), 12);
  });

  // y_w = y_l: z = 0, L_OR = −log σ(0) = ln 2 and L = −ℓ_w + λ·ln 2, for any ℓ and λ.
  // Here ℓ = −6/4 = −1.5, so L = 1.5 + 0.25·ln 2; and the odds term still pushes the two apart:
  //   ∂L_OR/∂ℓ_w = −½/(1 − e^−1.5) = −½/0.776870 = −0.643608,  ∂L_OR/∂ℓ_l = +0.643608
  it("gives L_OR = ln 2 when chosen and rejected are equal, and still a gradient", () => {
    const { loss, dChosen, dRejected, metrics } = orpoLoss(one(-6, -6), one(4, 4), 0.25);
    expect(metrics.log_odds_ratio).toBeCloseTo(-L2, 14);
    expect(metrics.log_odds_chosen).toBe(0);
    expect(loss).toBeCloseTo(1.5 + 0.25 * L2, 12);
    const push = 0.5 / (1 - Math.exp(-1.5));
    expect(push).toBeCloseTo(0.643608, 6);
    expect(dChosen[0]).toBeCloseTo((-1 - 0.25 * push) / 4, 12);
    expect(dRejected[0]).toBeCloseTo((0.25 * push) / 4, 12);
  });

  it("gives the gradient of its own loss (central finite differences)", () => {
    const rng = new Rng(9);
    const P = 4;
    const lambda = 0.5;
    const chosenLen = [3, 7, 1, 12];
    const rejectedLen = [5, 2, 9, 4];
    const policy = {
      chosen: chosenLen.map((n) => -n * (0.05 + 3 * rng.next())),
      rejected: rejectedLen.map((n) => -n * (0.05 + 3 * rng.next())),
    };
    const lengths = { chosen: chosenLen, rejected: rejectedLen };
    const { dChosen, dRejected } = orpoLoss(policy, lengths, lambda);
    const eps = 1e-6;
    for (const side of ["chosen", "rejected"] as const) {
      for (let i = 0; i < P; i++) {
        const at = (delta: number) => {
          const moved = { ...policy, [side]: policy[side].map((v, j) => (j === i ? v + delta : v)) };
          return orpoLoss(moved, lengths, lambda).loss;
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        expect((side === "chosen" ? dChosen : dRejected)[i]).toBeCloseTo(fd, 7);
      }
    }
  });
});

describe("log1mexp", () => {
  // log(1 − e^x): near 0 it is ≈ log(−x) (1 − e^x ≈ −x), far below 0 it is ≈ −e^x.
  it("keeps its digits at both ends, where log(1 − exp(x)) does not", () => {
    expect(log1mexp(-1e-17)).toBeCloseTo(Math.log(1e-17), 10);
    expect(Math.log(1 - Math.exp(-1e-17))).toBe(-Infinity);
    expect(log1mexp(-50) / -Math.exp(-50)).toBeCloseTo(1, 12);
    expect(Math.log(1 - Math.exp(-50))).toBe(0);
    expect(log1mexp(-L2)).toBeCloseTo(-L2, 15);
  });
});

describe("orpoLoss input checks", () => {
  it("refuses a log-prob of 0 or more, an empty completion, and sizes that differ", () => {
    expect(() => orpoLoss(one(0, -1), one(2, 2), 0.1)).toThrow(/mean log-probs 0 and -0.5; both must be < 0/);
    expect(() => orpoLoss(one(-1, -1), one(0, 2), 0.1)).toThrow(/pair 0 has a completion of length 0/);
    expect(() => orpoLoss({ chosen: [-1, -2], rejected: [-1] }, one(1, 1), 0.1)).toThrow(
      /policy.rejected has 1 entries but policy.chosen has 2/,
    );
  });
});
