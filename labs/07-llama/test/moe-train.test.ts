import { describe, expect, it } from "vitest";
import {
  batchFrom,
  coefficientOfVariation,
  evaluateTiny,
  initTiny,
  lossAndGrad,
  tinyParamCount,
  trainTiny,
  type TinyConfig,
} from "../src/moe-train.ts";
import { Rng } from "@llm-labs/tensor";

const small = (ffn: "dense" | "moe", aux: number): TinyConfig => ({
  V: 11,
  D: 5,
  I: 3,
  E: 4,
  k: 2,
  ffn,
  aux,
});

// a seeded random stream of ids < V
const stream = (V: number, n: number, seed: number) => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.int(V));
};

describe("the hand-written backward of the tiny dense / MoE model", () => {
  // Central differences in float64: (L(θ + h) − L(θ − h)) / 2h, error O(h²) ≈ 1e-12 here, far
  // below the 1e-6 we ask for. The routing (top-k and f) is piecewise constant; h = 1e-6 is
  // too small to flip a choice on these random values.
  for (const [ffn, aux] of [
    ["dense", 0],
    ["moe", 0],
    ["moe", 0.5],
  ] as const) {
    it(`${ffn}${ffn === "moe" ? `, α = ${aux}` : ""}: every parameter's gradient matches finite differences`, () => {
      const cfg = small(ffn, aux);
      const m = initTiny(cfg, 3);
      // larger router weights than the init, so that the router's gradient is not tiny
      for (let i = 0; i < m.Wr.length; i++) m.Wr[i] *= 10;
      const tokens = stream(cfg.V, 12, 4);
      const batch = batchFrom(tokens, [1, 2, 3, 5, 8, 10]);
      const grad = new Float64Array(m.params.length);
      const res = lossAndGrad(m, batch, grad);
      if (ffn === "moe") expect(res.aux).toBeGreaterThan(0);
      const h = 1e-6;
      let worst = 0;
      for (let i = 0; i < m.params.length; i++) {
        const keep = m.params[i];
        m.params[i] = keep + h;
        const lp = lossAndGrad(m, batch, null).loss;
        m.params[i] = keep - h;
        const lm = lossAndGrad(m, batch, null).loss;
        m.params[i] = keep;
        const fd = (lp - lm) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - grad[i]) / Math.max(1e-3, Math.abs(fd) + Math.abs(grad[i])));
      }
      expect(worst).toBeLessThan(1e-6);
    });
  }
});

describe("dense vs MoE bookkeeping", () => {
  it("equal active parameters in the MLP, up to the router: 3·D·k·I each", () => {
    const cfg: TinyConfig = { V: 1024, D: 32, I: 32, E: 8, k: 2, ffn: "dense", aux: 0 };
    const dense = tinyParamCount(cfg);
    const moe = tinyParamCount({ ...cfg, ffn: "moe" });
    expect(dense.ffnActive).toBe(3 * 32 * 2 * 32);
    expect(moe.ffnActive).toBe(dense.ffnActive + 32 * 8); // + the router D·E
    expect(moe.ffnTotal).toBe(32 * 8 + 8 * 3 * 32 * 32); // E/k = 4× the dense MLP's weights
  });

  it("coefficient of variation: 0 when balanced, √(E − 1) when one expert takes all", () => {
    expect(coefficientOfVariation([5, 5, 5, 5])).toBe(0);
    // [8, 0, 0, 0]: mean 2, variance (36 + 4 + 4 + 4) / 4 = 12, std = 2√3, cv = √3
    expect(coefficientOfVariation([8, 0, 0, 0])).toBeCloseTo(Math.sqrt(3), 12);
  });

  it("a short seeded run lowers the held-out loss and is deterministic", () => {
    // a stream with structure: id_{t+1} = (id_t + id_{t−1}) mod V, from random starts
    const V = 11;
    const r = new Rng(9);
    const tokens: number[] = [];
    for (let seg = 0; seg < 40; seg++) {
      let a = r.int(V);
      let b = r.int(V);
      for (let i = 0; i < 10; i++) {
        tokens.push(a);
        [a, b] = [b, (a + b) % V];
      }
    }
    const cfg = { ...small("moe", 0.01), D: 8 };
    const run = () => {
      const m = initTiny(cfg, 1);
      const before = evaluateTiny(m, tokens).ce;
      trainTiny(m, tokens, { steps: 60, batch: 32, lr: 1e-2, seed: 2 });
      return { before, after: evaluateTiny(m, tokens).ce };
    };
    const a = run();
    expect(a.after).toBeLessThan(a.before - 0.3);
    expect(run()).toEqual(a);
  });
});
