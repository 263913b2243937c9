import { describe, expect, it } from "vitest";
import {
  loadBalancingLoss,
  loadBalancingLossGrad,
  routerTopK,
  routerTopKBackward,
  slotFractions,
} from "../src/router.ts";
import { randomArray } from "./util.ts";

describe("exercise: router-top-k", () => {
  it("top-2 of four logits by hand: the gates are σ(1) and 1 − σ(1)", () => {
    // z = [1, 3, 2, 0]: the two largest are expert 1 (3) and expert 2 (2). Renormalized:
    //   w₁ = e³ / (e³ + e²) = 1 / (1 + e⁻¹) = σ(1) = 0.7310586,  w₂ = 1 − σ(1) = 0.2689414
    const { experts, weights, probs } = routerTopK(Float32Array.from([1, 3, 2, 0]), 1, 4, 2);
    expect(Array.from(experts)).toEqual([1, 2]);
    expect(weights[0]).toBeCloseTo(0.7310586, 6);
    expect(weights[1]).toBeCloseTo(0.2689414, 6);
    // the full softmax: e^z / (e + e³ + e² + 1)
    const s = Math.E + Math.exp(3) + Math.exp(2) + 1;
    expect(probs[1]).toBeCloseTo(Math.exp(3) / s, 6);
    expect(probs[3]).toBeCloseTo(1 / s, 6);
  });

  it("ties go to the lower expert index; k = 1 gives the gate 1", () => {
    // z = [2, 5, 5, 1]: experts 1 and 2 tie, both are kept, best first = the lower index
    const a = routerTopK(Float32Array.from([2, 5, 5, 1]), 1, 4, 2);
    expect(Array.from(a.experts)).toEqual([1, 2]);
    expect(Array.from(a.weights)).toEqual([0.5, 0.5]);
    // all equal: experts 0 and 1
    expect(Array.from(routerTopK(new Float32Array(4), 1, 4, 2).experts)).toEqual([0, 1]);
    // k = 1 on two rows: [0.5, −1, 2] → expert 2; [4, 4, 0] → expert 0 (tie), gate 1 each
    const b = routerTopK(Float32Array.from([0.5, -1, 2, 4, 4, 0]), 2, 3, 1);
    expect(Array.from(b.experts)).toEqual([2, 0]);
    expect(Array.from(b.weights)).toEqual([1, 1]);
  });

  it("equals Mixtral's softmax over the k chosen logits, on random rows", () => {
    const N = 50;
    const E = 8;
    const k = 2;
    const z = randomArray(N * E, 7, 2);
    const { experts, weights, probs } = routerTopK(z, N, E, k);
    for (let t = 0; t < N; t++) {
      const row = Array.from(z.subarray(t * E, (t + 1) * E));
      // the k largest logits, by an independent sort
      const order = row.map((v, e) => [v, e]).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
      const chosen = order.slice(0, k).map((p) => p[1]);
      expect(Array.from(experts.subarray(t * k, (t + 1) * k))).toEqual(chosen);
      const denom = chosen.reduce((s, e) => s + Math.exp(row[e]), 0);
      for (let r = 0; r < k; r++) expect(weights[t * k + r]).toBeCloseTo(Math.exp(row[chosen[r]]) / denom, 6);
      let sum = 0;
      for (let e = 0; e < E; e++) sum += probs[t * E + e];
      expect(sum).toBeCloseTo(1, 6);
    }
  });
});

describe("exercise: load-balancing-loss", () => {
  it("uniform routing gives 1.0, the minimum", () => {
    // N = 4 tokens, one per expert, every probability 1/4: E·Σ f·P = 4 · 4 · (1/4 · 1/4) = 1
    const probs = new Float32Array(16).fill(0.25);
    expect(loadBalancingLoss(probs, Int32Array.from([0, 1, 2, 3]), 4, 4, 1)).toBeCloseTo(1, 6);
    // also with k = 2: 8 slots, 2 per expert, f = 1/4 each
    expect(loadBalancingLoss(probs, Int32Array.from([0, 1, 2, 3, 1, 0, 3, 2]), 4, 4, 2)).toBeCloseTo(1, 6);
  });

  it("total collapse onto one expert gives E", () => {
    // every token on expert 0 with probability 1: f = P = [1, 0, 0, 0], L = 4 · 1 · 1 = 4
    const probs = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    expect(loadBalancingLoss(probs, Int32Array.from([0, 0, 0]), 3, 4, 1)).toBeCloseTo(4, 6);
  });

  it("two hand cases, k = 1 and k = 2", () => {
    // k = 1: both tokens on expert 0, p = [[0.8, 0.2], [0.6, 0.4]]
    //   f = [1, 0], P = [0.7, 0.3], L = 2 · (1 · 0.7 + 0 · 0.3) = 1.4
    expect(
      loadBalancingLoss(Float32Array.from([0.8, 0.2, 0.6, 0.4]), Int32Array.from([0, 0]), 2, 2, 1),
    ).toBeCloseTo(1.4, 6);
    // k = 2, E = 3: experts [[0, 1], [0, 2]] → 4 slots, f = [2/4, 1/4, 1/4]
    //   p = [[0.5, 0.3, 0.2], [0.4, 0.1, 0.5]] → P = [0.45, 0.2, 0.35]
    //   L = 3 · (0.5·0.45 + 0.25·0.2 + 0.25·0.35) = 3 · 0.3625 = 1.0875
    //   (Hugging Face's Mixtral loss, whose f sums to k, gives twice that: 2.175)
    const probs = Float32Array.from([0.5, 0.3, 0.2, 0.4, 0.1, 0.5]);
    const experts = Int32Array.from([0, 1, 0, 2]);
    expect(Array.from(slotFractions(experts, 3))).toEqual([0.5, 0.25, 0.25]);
    expect(loadBalancingLoss(probs, experts, 2, 3, 2)).toBeCloseTo(1.0875, 6);
  });
});

describe("router gradients (for training)", () => {
  // central differences on the logits, with the routing (f and the chosen set) held fixed
  const N = 5;
  const E = 4;
  const k = 2;
  const z = randomArray(N * E, 11, 1);
  // computed inside each test, so that a stubbed router fails these tests, not the file's loading
  const routed = () => routerTopK(z, N, E, k);
  const numeric = (fn: (r: ReturnType<typeof routerTopK>) => number, i: number) => {
    const h = 1e-2;
    const zp = Float32Array.from(z);
    const zm = Float32Array.from(z);
    zp[i] += h;
    zm[i] -= h;
    return (fn(routerTopK(zp, N, E, k)) - fn(routerTopK(zm, N, E, k))) / (2 * h);
  };

  it("∂L_aux/∂z matches finite differences (f held fixed)", () => {
    const base = routed();
    const dz = loadBalancingLossGrad(base.probs, base.experts, N, E);
    for (let i = 0; i < N * E; i++) {
      const fd = numeric((r) => loadBalancingLoss(r.probs, base.experts, N, E, k), i);
      expect(dz[i]).toBeCloseTo(fd, 3);
    }
  });

  it("∂(Σ c·w)/∂z through the renormalized top-k matches finite differences", () => {
    const c = randomArray(N * k, 12, 1);
    const base = routed();
    const dz = routerTopKBackward(c, base, N, E, k);
    for (let i = 0; i < N * E; i++) {
      const fd = numeric((r) => {
        // the weight each originally chosen expert gets, renormalized over the original set
        let s = 0;
        for (let t = 0; t < N; t++) {
          let kept = 0;
          for (let q = 0; q < k; q++) kept += r.probs[t * E + base.experts[t * k + q]];
          for (let q = 0; q < k; q++) s += (c[t * k + q] * r.probs[t * E + base.experts[t * k + q]]) / kept;
        }
        return s;
      }, i);
      expect(dz[i]).toBeCloseTo(fd, 3);
    }
  });
});
