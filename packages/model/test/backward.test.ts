import { describe, expect, it } from "vitest";
import { centralDifference, Rng } from "@llm-labs/tensor";
import {
  allocBlockScratch,
  attentionBackward,
  backwardPass,
  crossEntropyBackward,
  encoderBackward,
  gptBlockBackward,
  lossAndGrads,
  zeroGrads,
} from "../src/backward.ts";
import { linearBackward } from "../src/linear.ts";
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

describe("the backward's hooks (lab 10's prompts, prefixes and adapters plug in here)", () => {
  it("hooks that do what the defaults do give the same gradients, bit for bit", () => {
    const g = zeroGrads(model);
    let linears = 0;
    let attentions = 0;
    lossAndGrads(model, ids, targets, B, T, g, undefined, {
      backward: {
        linear: (_l, _name, dX, gW, dY, X, W, N, K, M) => {
          linears++;
          linearBackward(dX, gW.weight, gW.bias, dY, X, W.weight, N, K, M);
        },
        attention: (_l, dqkv, dout, L, B, T, H) => {
          attentions++;
          attentionBackward(dqkv, dout, L.qkv, L.att, B, T, config.n_embd, H);
        },
      },
    });
    expect(linears).toBe(4 * config.n_layer);
    expect(attentions).toBe(config.n_layer);
    expect(Array.from(g.flat)).toEqual(Array.from(grads.flat));
  });

  it("the embed hooks: adding u to every embedding, Σ_rows ∂L/∂x is ∂L/∂u (finite differences)", () => {
    const C = config.n_embd;
    const u = new Float64Array(C);
    const embed = (x: Float32Array | Float64Array) => {
      for (let i = 0; i < x.length; i++) x[i] += u[i % C];
    };
    const du = new Float64Array(C);
    lossAndGrads(model, ids, targets, B, T, zeroGrads(model), undefined, {
      forward: { embed },
      backward: {
        embed: (dx) => {
          for (let i = 0; i < dx.length; i++) du[i % C] += dx[i];
        },
      },
    });
    const lossAt = () =>
      lossAndGrads(model, ids, targets, B, T, zeroGrads(model), undefined, { forward: { embed } }).loss;
    for (const i of [0, 5]) expect(Math.abs(du[i] - centralDifference(u, i, lossAt))).toBeLessThan(1e-7);
  });

  it("after a cache of p0 positions, the position gradient lands at rows p0 … p0+T−1", () => {
    // C = 1, T = 2 tokens after p0 = 3 cached positions: dx = [2, 5] → dwpe[3] = 2, dwpe[4] = 5
    const dwte = new Float64Array(4);
    const dwpe = new Float64Array(6);
    encoderBackward(dwte, dwpe, Float64Array.from([2, 5]), [1, 1], 1, 2, 1, 3);
    expect(Array.from(dwpe)).toEqual([0, 0, 0, 2, 5, 0]);
    expect(Array.from(dwte)).toEqual([0, 7, 0, 0]);
  });
});

describe("backwardPass: the backward from any ∂L/∂logits (and a head's ∂L/∂h)", () => {
  it("from cross-entropy's dlogits it is lossAndGrads, bit for bit", () => {
    const a = forward(model, ids, B, T);
    crossEntropyBackward(a.logits, targets, B * T, config.vocab_size);
    const g = zeroGrads(model);
    backwardPass(model, a, g);
    expect(Array.from(g.flat)).toEqual(Array.from(grads.flat));
  });

  it("a head of one's own on h = ln_f(x): L = Σ_n u·h_n, checked by finite differences", () => {
    const C = config.n_embd;
    const u = Float64Array.from({ length: C }, (_, i) => Math.sin(i + 1));
    const headLoss = (m: typeof model) => {
      const a = forward(m, ids, B, T);
      let L = 0;
      for (let n = 0; n < B * T; n++) for (let i = 0; i < C; i++) L += u[i] * a.lnf[n * C + i];
      return L;
    };
    const a = forward(model, ids, B, T);
    a.logits.fill(0); // the LM head plays no part in this loss
    const dlnf = new Float64Array(B * T * C);
    for (let n = 0; n < B * T; n++) dlnf.set(u, n * C);
    const g = zeroGrads(model);
    backwardPass(model, a, g, { dlnf });
    const flat = model.params.flat;
    for (const i of [0, 17, 200, flat.length - 3])
      expect(
        Math.abs(g.flat[i] - centralDifference(flat, i, () => headLoss(model))),
        `parameter ${i}`,
      ).toBeLessThan(1e-7);
  });
});
