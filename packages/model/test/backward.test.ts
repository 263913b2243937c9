import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { allocBlockScratch, gptBlockBackward, lossAndGrads, zeroGrads } from "../src/backward.ts";
import { makeConfig } from "../src/config.ts";
import { allocActivations, gptBlockForward } from "../src/forward.ts";
import { forward } from "../src/gpt.ts";
import { paramShapes, viewParams } from "../src/params.ts";
import { randomModel } from "./helpers.ts";

// The gradient check runs in float64, so the only error of a central difference
//   (L(θ + h) - L(θ - h)) / 2h = L'(θ) + h²·L'''(θ)/6 + O(ε_64·|L| / h)
// is tiny: with h = 1e-5 the truncation term is ~1e-10·|L'''| and the rounding
// term ~1e-16·2/1e-5 = 2e-11. So we can demand agreement to 1e-7 (absolute,
// plus 1e-6 relative), far below the size of any real mistake in a formula.
const config = makeConfig({ n_layer: 2, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 13 });
const B = 2;
const T = 5;
const rng = new Rng(3);
const ids = Array.from({ length: B * T }, () => rng.int(config.vocab_size));
const targets = Array.from({ length: B * T }, () => rng.int(config.vocab_size));
targets[3] = -1; // a position without a target: must contribute nothing

function loss(model: ReturnType<typeof randomModel>): number {
  const grads = zeroGrads(model);
  return lossAndGrads(model, ids, targets, B, T, grads).loss;
}

const model = randomModel(config, 11, 0.3, "float64");
const grads = zeroGrads(model);
const { loss: L0 } = lossAndGrads(model, ids, targets, B, T, grads);
const gByName = viewParams(config, grads.flat).byName;
const pByName = viewParams(config, model.params.flat).byName;

// Every parameter kind: embeddings, each LayerNorm, each linear weight and bias.
const kinds = paramShapes(config)
  .map(([name]) => name)
  .filter((n) => !n.startsWith("transformer.h.1."));

describe("backward pass vs finite differences (float64)", () => {
  it("the loss is the mean cross-entropy of the targets, checked by hand from the logits", () => {
    const a = forward(model, ids, B, T);
    let sum = 0;
    let count = 0;
    for (let n = 0; n < B * T; n++) {
      if (targets[n] < 0) continue;
      const row = Array.from(a.logits.subarray(n * 13, n * 13 + 13));
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      sum += lse - row[targets[n]];
      count++;
    }
    expect(Math.abs(L0 - sum / count)).toBeLessThan(1e-12);
  });

  for (const name of kinds) {
    it(`dL/d ${name}`, () => {
      const p = pByName.get(name)!;
      const g = gByName.get(name)!;
      const r = new Rng(name.length * 31 + p.length);
      // a few random entries, plus the entry with the largest gradient
      let big = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[big])) big = i;
      const picks = [big, r.int(p.length), r.int(p.length), r.int(p.length)];
      if (name === "transformer.wte.weight") picks.push(ids[0] * config.n_embd + 1); // a used row
      const h = 1e-5;
      for (const i of picks) {
        const keep = p[i];
        p[i] = keep + h;
        const up = loss(model);
        p[i] = keep - h;
        const down = loss(model);
        p[i] = keep;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(numeric - g[i]), `${name}[${i}]: numeric ${numeric}, analytic ${g[i]}`).toBeLessThan(
          1e-7 + 1e-6 * Math.abs(numeric),
        );
      }
      expect(Math.abs(g[big])).toBeGreaterThan(1e-4); // the check is not vacuous
    });
  }

  it("all gradients at once: the directional derivative along a random direction", () => {
    const r = new Rng(99);
    const d = Float64Array.from({ length: model.params.flat.length }, () => r.normal());
    const flat = model.params.flat;
    const keep = Float64Array.from(flat);
    const h = 1e-6;
    for (let i = 0; i < flat.length; i++) flat[i] = keep[i] + h * d[i];
    const up = loss(model);
    for (let i = 0; i < flat.length; i++) flat[i] = keep[i] - h * d[i];
    const down = loss(model);
    flat.set(keep);
    let analytic = 0;
    for (let i = 0; i < flat.length; i++) analytic += grads.flat[i] * d[i];
    expect(Math.abs((up - down) / (2 * h) - analytic)).toBeLessThan(1e-6 * Math.max(1, Math.abs(analytic)));
  });

  it("gradients accumulate: two calls give twice the gradient", () => {
    const g2 = zeroGrads(model);
    lossAndGrads(model, ids, targets, B, T, g2);
    lossAndGrads(model, ids, targets, B, T, g2);
    let m = 0;
    for (let i = 0; i < g2.flat.length; i++) m = Math.max(m, Math.abs(g2.flat[i] - 2 * grads.flat[i]));
    expect(m).toBeLessThan(1e-12);
  });
});

// One block alone, the contract activation recomputation (lab 08) builds on: for the scalar
//   f(x) = Σ r ⊙ block_l(x)      (r fixed and random, so df/d(block output) = r)
// gptBlockBackward, given dx = r, must leave dx = df/dx and add df/dθ to the block's gradients.
describe("gptBlockBackward: one block's chain rule (float64)", () => {
  const l = 1;
  const N = B * T;
  const C = config.n_embd;
  const r0 = new Rng(5);
  const x0 = Float64Array.from({ length: N * C }, () => r0.normal());
  const r = Float64Array.from({ length: N * C }, () => r0.normal());
  const f = (x: Float64Array) => {
    const L = allocActivations(config, B, T, "float64").layers[l];
    const out = gptBlockForward(model, l, x, L, B, T);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += r[i] * out[i];
    return s;
  };
  const L = allocActivations(config, B, T, "float64").layers[l];
  gptBlockForward(model, l, x0, L, B, T);
  const g = zeroGrads(model);
  const dx = Float64Array.from(r);
  gptBlockBackward(model, g, l, dx, x0, L, B, T, allocBlockScratch(model, B, T));

  it("turns dL/d(output) into dL/d(input): a directional derivative of f", () => {
    const v = Float64Array.from({ length: N * C }, () => r0.normal());
    const h = 1e-6;
    const up = f(x0.map((xi, i) => xi + h * v[i]));
    const down = f(x0.map((xi, i) => xi - h * v[i]));
    const analytic = dx.reduce((s, di, i) => s + di * v[i], 0);
    expect(Math.abs((up - down) / (2 * h) - analytic)).toBeLessThan(1e-6 * Math.max(1, Math.abs(analytic)));
  });

  it("adds the block's weight gradients, and only the block's", () => {
    const W = model.params.h[l].c_fc.weight;
    const i = 3;
    const keep = W[i];
    const h = 1e-5;
    W[i] = keep + h;
    const up = f(x0);
    W[i] = keep - h;
    const down = f(x0);
    W[i] = keep;
    expect(Math.abs((up - down) / (2 * h) - g.h[l].c_fc.weight[i])).toBeLessThan(1e-7);
    expect(g.h[0].c_fc.weight.every((v) => v === 0)).toBe(true);
    expect(g.wte.every((v) => v === 0)).toBe(true);
  });
});
