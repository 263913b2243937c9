import { describe, expect, it } from "vitest";
import { AdamW, clipGradNorm } from "../src/adamw.ts";
import { learningRate } from "../src/schedule.ts";

describe("AdamW (Loshchilov & Hutter 2019, Algorithm 2)", () => {
  it("first step, worked by hand: m̂ = g, v̂ = g², so θ moves by η·(g/(|g| + ε) + λθ)", () => {
    const opt = new AdamW(2, Uint8Array.from([1, 0]), { weightDecay: 0.1, eps: 1e-8 });
    const theta = Float32Array.from([1.0, -2.0]);
    opt.step(theta, Float32Array.from([0.5, -3.0]), 0.01);
    // θ0: 1 - 0.01·(0.5/(0.5 + 1e-8) + 0.1·1) = 1 - 0.01·1.1 = 0.989 (decayed)
    // θ1: -2 - 0.01·(-3/(3 + 1e-8))         = -2 + 0.01 = -1.99      (not decayed)
    expect(theta[0]).toBeCloseTo(0.989, 6);
    expect(theta[1]).toBeCloseTo(-1.99, 6);
  });

  it("second step uses the bias-corrected running moments", () => {
    const b1 = 0.9;
    const b2 = 0.95;
    const opt = new AdamW(1, Uint8Array.from([0]), { beta1: b1, beta2: b2, eps: 0 });
    const theta = Float32Array.from([0]);
    opt.step(theta, Float32Array.from([1]), 1);
    opt.step(theta, Float32Array.from([3]), 1);
    // by hand: m = 0.9·0.1 + 0.1·3 = 0.39, v = 0.95·0.05 + 0.05·9 = 0.4975
    const mhat = 0.39 / (1 - b1 ** 2);
    const vhat = 0.4975 / (1 - b2 ** 2);
    expect(theta[0]).toBeCloseTo(-1 - mhat / Math.sqrt(vhat), 5);
  });

  it("clipGradNorm scales the whole gradient to the max norm", () => {
    const g = Float32Array.from([3, 4]);
    expect(clipGradNorm(g, 1)).toBe(5);
    expect([...g].map((x) => +x.toFixed(6))).toEqual([0.6, 0.8]);
    const small = Float32Array.from([0.3, 0.4]);
    clipGradNorm(small, 1);
    expect([...small]).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
});

describe("learning-rate schedule: warmup, then cosine", () => {
  const s = { maxLr: 1e-3, minLr: 1e-4, warmup: 10, total: 110 };
  it("rises linearly during warmup", () => {
    expect(learningRate(0, s)).toBeCloseTo(1e-4, 12);
    expect(learningRate(4, s)).toBeCloseTo(5e-4, 12);
    expect(learningRate(9, s)).toBeCloseTo(1e-3, 12);
  });
  it("is η_max at the end of warmup, halfway at the midpoint, η_min at the end and after", () => {
    expect(learningRate(10, s)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, s)).toBeCloseTo(5.5e-4, 12); // ½(1 + cos(π/2)) = ½
    expect(learningRate(110, s)).toBeCloseTo(1e-4, 12);
    expect(learningRate(500, s)).toBe(1e-4);
    // a quarter of the way: ½(1 + cos(π/4)) = 0.853553…
    expect(learningRate(35, s)).toBeCloseTo(1e-4 + 0.8535533905932737 * 9e-4, 12);
  });
});
