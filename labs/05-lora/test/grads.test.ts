import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { lossAndGrads, zeroGrads, type GPT } from "@llm-labs/model";
import { adapterView, createAdapter, mergeAdapter, type Adapter } from "../src/adapter.ts";
import { loraGradsFromWeightGrad, loraLinearBackward } from "../src/grads.ts";
import type { LoraWeights } from "../src/lora.ts";
import { loraPeft, trainPeft } from "../src/train.ts";
import { batchLoss, centralDifference, maxAbsDiff, tinyConfig, tinyModel } from "./util.ts";

// Finite differences in float64: a central difference (L(θ+h) − L(θ−h))/2h has
// error h²·L'''/6 + ε₆₄·|L|/h ≈ 1e-10 + 2e-11 at h = 1e-5, so agreement to
// 1e-7 (+1e-6 relative) leaves no room for a wrong formula.
const B = 2;
const T = 5;
const rng = new Rng(3);
const ids = Array.from({ length: B * T }, () => rng.int(tinyConfig.vocab_size));
const targets = Array.from({ length: B * T }, () => rng.int(tinyConfig.vocab_size));

// A random adapter on every linear, with B non-zero too (at init B = 0 makes ∂L/∂A vanish: a vacuous check).
function randomAdapter(model: GPT): Adapter {
  const a = createAdapter(
    model,
    { r: 2, alpha: 3, targets: ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] },
    7,
  );
  const r = new Rng(8);
  for (let i = 0; i < a.flat.length; i++) a.flat[i] = r.normal(0, 0.3);
  return a;
}

function analyticGrads(model: GPT, a: Adapter): Float64Array {
  const eff = mergeAdapter(model, a);
  const g = zeroGrads(eff);
  lossAndGrads(eff, ids, targets, B, T, g);
  const d = new Float64Array(a.flat.length);
  const view = adapterView(model, a, d);
  a.entries.forEach((e, k) =>
    loraGradsFromWeightGrad(
      g.h[e.layer][e.target].weight,
      e.lora,
      view.entries[k].lora.A,
      view.entries[k].lora.B,
    ),
  );
  return d;
}

describe("exercise: lora-grads", () => {
  const model = tinyModel(11);
  const a = randomAdapter(model);
  let d: Float64Array;
  beforeAll(() => {
    d = analyticGrads(model, a);
  });
  const loss = () => batchLoss(mergeAdapter(model, a), ids, targets, B, T);

  for (const [k, e] of a.entries.entries()) {
    it(`∂L/∂A and ∂L/∂B of layer ${e.layer} ${e.target} match finite differences`, () => {
      const picks = [
        e.at,
        e.at + 3,
        e.at + e.lora.A.length - 1,
        e.at + e.lora.A.length,
        e.at + e.lora.A.length + 5,
        e.at + e.lora.A.length + e.lora.B.length - 1,
      ];
      let biggest = 0;
      for (const i of picks) {
        const numeric = centralDifference(a.flat, i, loss);
        biggest = Math.max(biggest, Math.abs(numeric));
        expect(
          Math.abs(numeric - d[i]),
          `entry ${i} (${k}): numeric ${numeric}, analytic ${d[i]}`,
        ).toBeLessThan(1e-7 + 1e-6 * Math.abs(numeric));
      }
      expect(biggest).toBeGreaterThan(1e-5); // not a vacuous check
    });
  }

  it("all of θ at once: the directional derivative along a random direction", () => {
    const r = new Rng(99);
    const dir = Float64Array.from({ length: a.flat.length }, () => r.normal());
    const keep = Float64Array.from(a.flat);
    const h = 1e-6;
    for (let i = 0; i < keep.length; i++) a.flat[i] = keep[i] + h * dir[i];
    const up = loss();
    for (let i = 0; i < keep.length; i++) a.flat[i] = keep[i] - h * dir[i];
    const down = loss();
    a.flat.set(keep);
    let analytic = 0;
    for (let i = 0; i < keep.length; i++) analytic += d[i] * dir[i];
    expect(Math.abs((up - down) / (2 * h) - analytic)).toBeLessThan(1e-6 * Math.max(1, Math.abs(analytic)));
  });

  it("the chain-rule form equals the layer-level form that never builds G", () => {
    const N = 4;
    const IN = 6;
    const OUT = 5;
    const r = 3;
    const R = new Rng(5);
    const f = (n: number) => Float64Array.from({ length: n }, () => R.normal());
    const lora: LoraWeights = { IN, OUT, r, alpha: 1.5, A: f(r * IN), B: f(OUT * r) };
    const X = f(N * IN);
    const dY = f(N * OUT);
    const W0 = f(IN * OUT);
    const G = new Float64Array(IN * OUT); // G = Xᵀ·dY, by loops
    for (let n = 0; n < N; n++)
      for (let i = 0; i < IN; i++)
        for (let o = 0; o < OUT; o++) G[i * OUT + o] += X[n * IN + i] * dY[n * OUT + o];
    const dA1 = new Float64Array(r * IN);
    const dB1 = new Float64Array(OUT * r);
    const dA2 = new Float64Array(r * IN);
    const dB2 = new Float64Array(OUT * r);
    const dX = new Float64Array(N * IN);
    loraGradsFromWeightGrad(G, lora, dA1, dB1);
    loraLinearBackward(dX, dA2, dB2, dY, X, W0, lora, N);
    expect(maxAbsDiff(dA1, dA2)).toBeLessThan(1e-12);
    expect(maxAbsDiff(dB1, dB2)).toBeLessThan(1e-12);
    expect(Math.max(...dA1.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it("training with these gradients lowers the loss on the batch it sees", () => {
    const m = tinyModel(21, "float32");
    const adapter = createAdapter(m, { r: 2, alpha: 4, targets: ["c_attn", "c_fc"] }, 3);
    const tokens = Array.from({ length: 9 }, (_, i) => (i * 5) % 13); // one fixed window: ids 0..7 predict 1..8
    const before = batchLoss(m, tokens.slice(0, 8), tokens.slice(1), 1, 8);
    trainPeft(m, loraPeft(m, adapter), tokens, {
      seed: 1,
      batchSize: 1,
      seqLen: 8,
      steps: 15,
      lr: 3e-2,
      warmup: 1,
    });
    const after = batchLoss(mergeAdapter(m, adapter), tokens.slice(0, 8), tokens.slice(1), 1, 8);
    expect(after).toBeLessThan(before - 0.1);
  });
});
