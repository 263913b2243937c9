import { describe, expect, it } from "vitest";
import { forwardPass } from "@llm-labs/model";
import { maxAbsDiff, Rng } from "@llm-labs/tensor";
import { adapterBackward, adapterForward, adapterPeft, type AdapterWeights } from "../src/adapters.ts";
import { effectiveModel } from "../src/evaluate.ts";
import { expectGradsMatch, tinyModel } from "./util.ts";

// C = 2, r = 1:  W_down = [[1], [2]], b_down = [0.5], W_up = [[3, −1]], b_up = [0.25, 0]
const hand = (): AdapterWeights => ({
  C: 2,
  r: 1,
  Wd: Float64Array.from([1, 2]),
  bd: Float64Array.from([0.5]),
  Wu: Float64Array.from([3, -1]),
  bu: Float64Array.from([0.25, 0]),
});

describe("exercise: adapter-forward", () => {
  // row 0: y = [1, 1]   a = 1·1 + 1·2 + 0.5 = 3.5   h = 3.5
  //        adapter = 3.5·[3, −1] + [0.25, 0] = [10.75, −3.5];  z = [1, 1] + 2·adapter = [22.5, −6]
  // row 1: y = [1, −2]  a = 1 − 4 + 0.5 = −2.5      h = 0 (relu)
  //        adapter = b_up = [0.25, 0];                        z = [1, −2] + 2·[0.25, 0] = [1.5, −2]
  it("z += s·(relu(y·W_down + b_down)·W_up + b_up), by hand with s = 2", () => {
    const y = Float64Array.from([1, 1, 1, -2]);
    const z = Float64Array.from(y);
    const acts = adapterForward(z, y, hand(), 2, 2);
    expect(Array.from(z)).toEqual([22.5, -6, 1.5, -2]);
    expect(Array.from(acts.a)).toEqual([3.5, -2.5]);
    expect(Array.from(acts.h)).toEqual([3.5, 0]);
  });

  it("a fresh adapter (W_up = 0) leaves the model unchanged; a trained one changes it", () => {
    const m = tinyModel(10);
    const ids = [1, 5, 2, 7];
    for (const kind of ["serial", "parallel"] as const) {
      const peft = adapterPeft(m, { kind, r: 2 });
      const run = () => forwardPass(effectiveModel(m, peft), ids, 1, 4, peft.hooks?.(1, 4).forward);
      expect(maxAbsDiff(run(), forwardPass(m, ids, 1, 4)), kind).toBe(0);
      const rng = new Rng(1);
      for (let i = 0; i < peft.params.length; i++) peft.params[i] += rng.normal(0, 0.3);
      expect(maxAbsDiff(run(), forwardPass(m, ids, 1, 4)), kind).toBeGreaterThan(1e-3);
    }
  });
});

describe("exercise: adapter-backward", () => {
  // The same two rows with s = 2 and dz = [[1, 0], [0, 1]]:
  //   row 0 is live (a = 3.5 > 0):  s·dz·W_upᵀ = 2·(1·3 + 0·(−1)) = 6 = da₀
  //   row 1 is dead (a < 0):        da₁ = 0
  //   dW_up  = s·hᵀ·dz  = 2·[3.5·[1, 0] + 0·[0, 1]] = [7, 0]
  //   db_up  = s·Σ dz   = [2, 2]
  //   dW_down = yᵀ·da  = [1·6, 1·6] = [6, 6]        db_down = 6
  //   dy = da·W_downᵀ = row 0: 6·[1, 2] = [6, 12], row 1: [0, 0]
  it("every gradient of a hand example", () => {
    const w = hand();
    const y = Float64Array.from([1, 1, 1, -2]);
    const acts = adapterForward(Float64Array.from(y), y, w, 2, 2);
    const g: AdapterWeights = {
      C: 2,
      r: 1,
      Wd: new Float64Array(2),
      bd: new Float64Array(1),
      Wu: new Float64Array(2),
      bu: new Float64Array(2),
    };
    const dy = new Float64Array(4);
    adapterBackward(dy, g, Float64Array.from([1, 0, 0, 1]), w, acts, 2, 2);
    expect(Array.from(g.Wu)).toEqual([7, 0]);
    expect(Array.from(g.bu)).toEqual([2, 2]);
    expect(Array.from(g.Wd)).toEqual([6, 6]);
    expect(Array.from(g.bd)).toEqual([6]);
    expect(Array.from(dy)).toEqual([6, 12, 0, 0]);
  });

  for (const kind of ["serial", "parallel"] as const)
    it(`${kind} adapters in the whole model: ∂L/∂θ against finite differences`, () => {
      const m = tinyModel(11);
      const peft = adapterPeft(m, { kind, r: 2, seed: 3 });
      const rng = new Rng(2);
      for (let i = 0; i < peft.params.length; i++) peft.params[i] += rng.normal(0, 0.5); // W_up ≠ 0: every path live
      expect(expectGradsMatch(m, peft, 2, 4, 60)).toBeGreaterThan(1e-3);
    });

  it("Pfeiffer's placement: one adapter per block, after the MLP", () => {
    const m = tinyModel(12);
    const peft = adapterPeft(m, { kind: "serial", r: 2, targets: ["mlp_c_proj"], seed: 4 });
    // L·(2·C·r + r + C) = 2·(32 + 2 + 8) = 84
    expect(peft.params.length).toBe(84);
    const rng = new Rng(3);
    for (let i = 0; i < peft.params.length; i++) peft.params[i] += rng.normal(0, 0.5);
    expectGradsMatch(m, peft, 1, 5, 84);
  });
});
