import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { forward, lossAndGrads, zeroGrads } from "@llm-labs/model";
import { copyModel } from "../src/adapter.ts";
import { ia3Peft } from "../src/ia3.ts";
import { batchLoss, centralDifference, maxAbsDiff, tinyConfig, tinyModel } from "./util.ts";

const B = 2;
const T = 5;
const rng = new Rng(4);
const ids = Array.from({ length: B * T }, () => rng.int(tinyConfig.vocab_size));
const targets = Array.from({ length: B * T }, () => rng.int(tinyConfig.vocab_size));

describe("IA3", () => {
  const base = tinyModel(31);
  const ia3 = ia3Peft(base);
  it("starts at the base model (every scale 1): 6·n_embd numbers per layer", () => {
    expect(ia3.params.length).toBe(tinyConfig.n_layer * 6 * tinyConfig.n_embd);
    const eff = copyModel(base);
    ia3.apply(base, eff);
    expect(maxAbsDiff(forward(eff, ids, B, T).logits, forward(base, ids, B, T).logits)).toBe(0);
  });
  it("∂L/∂l from ∂L/∂W_eff matches finite differences (float64)", () => {
    const r = new Rng(5);
    for (let i = 0; i < ia3.params.length; i++) ia3.params[i] = 1 + r.normal(0, 0.2);
    const eff = copyModel(base);
    const loss = () => (ia3.apply(base, eff), batchLoss(eff, ids, targets, B, T));
    ia3.apply(base, eff);
    const g = zeroGrads(eff);
    lossAndGrads(eff, ids, targets, B, T, g);
    const d = new Float64Array(ia3.params.length);
    ia3.backward(base, g, d);
    const C = tinyConfig.n_embd;
    const per = 6 * C;
    // k scales, v scales and MLP scales of both layers
    for (const i of [0, C - 1, C + 2, 2 * C - 1, 2 * C, per - 1, per + 3, per + 2 * C + 7]) {
      const numeric = centralDifference(ia3.params, i, loss);
      expect(Math.abs(numeric - d[i]), `l[${i}]: numeric ${numeric}, analytic ${d[i]}`).toBeLessThan(
        1e-7 + 1e-6 * Math.abs(numeric),
      );
    }
    expect(Math.max(...d.map(Math.abs))).toBeGreaterThan(1e-4);
  });
});
