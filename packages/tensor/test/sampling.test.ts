// Greedy, temperature, top-k and top-p on distributions small enough to work out by hand.
import { describe, expect, it } from "vitest";
import { Rng, argmax, probsAfterFilters, randn, sample } from "../src/index.ts";

// Logits whose softmax is exactly q = [0.2, 0.4, 0.1, 0.3] (log q, any constant shift works).
const q = [0.2, 0.4, 0.1, 0.3];
const logits = Float32Array.from(q, Math.log);

function expectProbs(got: Float32Array, want: number[]) {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
}

describe("argmax and greedy decoding", () => {
  it("argmax picks the largest logit, the first one on ties", () => {
    expect(argmax(Float32Array.from([1, 5, 2]))).toBe(1);
    expect(argmax(Float32Array.from([7, 3, 7]))).toBe(0);
    expect(argmax(Float32Array.from([-Infinity, -3]))).toBe(1);
  });

  it("temperature 0 is greedy: always the argmax, and a one-hot distribution", () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 20; trial++) {
      const l = randn(rng, [50]).data;
      const best = l.indexOf(Math.max(...l));
      expect(sample(l, rng, { temperature: 0 })).toBe(best);
      const p = probsAfterFilters(l, { temperature: 0 });
      expect(p[best]).toBe(1);
      expect(p.reduce((s, v) => s + v, 0)).toBe(1);
    }
  });

  it("top-k = 1 is greedy at any temperature", () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 20; trial++) {
      const l = randn(rng, [50]).data;
      expect(sample(l, rng, { topK: 1, temperature: 1.5 })).toBe(l.indexOf(Math.max(...l)));
    }
  });
});

describe("probsAfterFilters", () => {
  it("with no filters is the softmax of the logits", () => {
    expectProbs(probsAfterFilters(logits), q);
  });

  it("temperature 2 takes the square root of the probabilities: p_i ∝ q_i^(1/2)", () => {
    const s = q.map(Math.sqrt);
    const total = s.reduce((a, b) => a + b, 0);
    expectProbs(
      probsAfterFilters(logits, { temperature: 2 }),
      s.map((v) => v / total),
    );
  });

  it("top-k = 2 keeps the two most likely tokens (0.4 and 0.3) and renormalises", () => {
    expectProbs(probsAfterFilters(logits, { topK: 2 }), [0, 4 / 7, 0, 3 / 7]);
  });

  it("top-p keeps the smallest set whose probability reaches p", () => {
    // Sorted: 0.4 (token 1), 0.3 (token 3), 0.2 (token 0), 0.1 (token 2).
    // p = 0.3:  0.4 ≥ 0.3 already                   -> {1}
    expectProbs(probsAfterFilters(logits, { topP: 0.3 }), [0, 1, 0, 0]);
    // p = 0.65: 0.4 < 0.65, 0.4 + 0.3 = 0.7 ≥ 0.65   -> {1, 3}
    expectProbs(probsAfterFilters(logits, { topP: 0.65 }), [0, 4 / 7, 0, 3 / 7]);
    // p = 0.75: 0.7 < 0.75, 0.7 + 0.2 = 0.9 ≥ 0.75   -> {1, 3, 0}
    expectProbs(probsAfterFilters(logits, { topP: 0.75 }), [2 / 9, 4 / 9, 0, 3 / 9]);
    // p = 1 keeps everything
    expectProbs(probsAfterFilters(logits, { topP: 1 }), q);
  });

  it("applies top-k before top-p", () => {
    // top-k 3: {0.4, 0.3, 0.2} / 0.9 = [4/9, 3/9, 2/9]; then top-p 0.6: 4/9 < 0.6 ≤ 7/9 -> {1, 3}
    expectProbs(probsAfterFilters(logits, { topK: 3, topP: 0.6 }), [0, 4 / 7, 0, 3 / 7]);
  });

  it("rejects options that make no sense", () => {
    expect(() => probsAfterFilters(logits, { temperature: -1 })).toThrow(
      "temperature must be a finite number ≥ 0",
    );
    expect(() => probsAfterFilters(logits, { topK: 0 })).toThrow("topK must be an integer ≥ 1, got 0");
    expect(() => probsAfterFilters(logits, { topP: 0 })).toThrow("topP must be in (0, 1], got 0");
    expect(() => probsAfterFilters(new Float32Array(0))).toThrow("empty logits");
  });
});

describe("sample", () => {
  it("draws with the frequencies probsAfterFilters promises (chi-square, 20,000 seeded draws)", () => {
    const rng = new Rng(12345);
    const l = randn(rng, [12], 1.5).data;
    const opts = { temperature: 0.8, topK: 8, topP: 0.9 };
    const p = probsAfterFilters(l, opts);
    const n = 20000;
    const counts = new Array<number>(l.length).fill(0);
    for (let i = 0; i < n; i++) counts[sample(l, rng, opts)]++;

    // Filtered-out tokens must never be drawn.
    const kept = [...p.keys()].filter((i) => p[i] > 0);
    for (let i = 0; i < l.length; i++) if (p[i] === 0) expect(counts[i]).toBe(0);

    // Pearson's chi-square over the kept tokens has (kept - 1) degrees of freedom.
    // Critical values at p = 0.001 (a correct sampler fails this 1 time in 1000
    // seeds; a wrong distribution fails it almost surely at n = 20,000):
    const critical001 = [NaN, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12];
    const chi2 = kept.reduce((s, i) => s + (counts[i] - n * p[i]) ** 2 / (n * p[i]), 0);
    expect(kept.length).toBeGreaterThanOrEqual(3); // the filters left something to test
    expect(chi2).toBeLessThan(critical001[kept.length - 1]);
  });

  it("same seed, same draws", () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sample(logits, rng, { temperature: 1.3 }));
    };
    expect(draw(9)).toEqual(draw(9));
    expect(draw(9)).not.toEqual(draw(10));
  });
});
