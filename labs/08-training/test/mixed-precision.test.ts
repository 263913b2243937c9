// src/mixed-precision.ts: emulated mixed-precision training (no exercise of its own; it uses
// fp16-round, bf16-round and loss-scale-update).
import { createGPT, linearForward, makeConfig, train, trainTokens } from "@llm-labs/model";
import { Rng, randn } from "@llm-labs/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import {
  flushShare,
  halfGradients,
  halfLinear,
  type MixedConfig,
  overflowShare,
  trainMixed,
  unscale,
} from "../src/mixed-precision.ts";

const tiny = makeConfig({ n_layer: 1, n_head: 2, n_embd: 16, n_positions: 16, vocab_size: 1024 });
const cfg: MixedConfig = {
  seed: 3,
  steps: 8,
  batchSize: 2,
  seqLen: 16,
  maxLr: 1e-2,
  minLr: 1e-3,
  warmup: 2,
  weightDecay: 0.1,
  gradClip: 1,
};
let tokens: number[];
beforeAll(async () => {
  tokens = await trainTokens(20_000);
});

describe("mixed precision", () => {
  it("scales by 2^k and unscales exactly in fp32 while nothing overflows", () => {
    // multiplying a float32 by 2^k only adds k to its exponent: no bits are lost while the
    // result stays a normal float32 (here |g| ≤ ~5 · 2^16, far below 3.4e38)
    const g = randn(new Rng(1), [1000], 1e-3).data;
    for (let k = 0; k <= 16; k++) {
      const S = 2 ** k;
      const back = unscale(
        Float32Array.from(g, (v) => v * S),
        S,
      );
      expect(back).toEqual(g);
    }
  });

  it("counts the gradients that flush to zero in fp16, by hand", () => {
    // 7 nonzero entries. At S = 1: 1e-8 < 2^-25 (≈ 2.98e-8) → 0; 2^-25 is the tie → 0 (even);
    // 1e-10 and -1e-9 → 0; 3·2^-26 → 2^-24; 2^-24 and 1e-3 stay. 4 of 7 flush.
    const g = [1e-3, 1e-8, 2 ** -25, 3 * 2 ** -26, 0, 1e-10, -1e-9, 2 ** -24];
    expect(flushShare(g, 1)).toBeCloseTo(4 / 7, 12);
    // At S = 8: 8e-10 and 8e-9 are still below 2^-25 → 0; 8e-8 = 1.34·2^-24 → 2^-24. 2 of 7.
    expect(flushShare(g, 8)).toBeCloseTo(2 / 7, 12);
    // At S = 2^10: the smallest, 1e-10 · 1024 = 1.02e-7 = 1.72 · 2^-24, rounds to 2 · 2^-24. None.
    expect(flushShare(g, 2 ** 10)).toBe(0);
    // bf16 has float32's exponent range: nothing flushes even at S = 1
    expect(flushShare(g, 1, "bf16")).toBe(0);
    // and halfGradients agrees, entry by entry
    const h = halfGradients(Float32Array.from(g), 1, "fp16");
    expect([h.flushed, h.nonzero]).toEqual([4, 7]);
    expect(h.grads[3]).toBe(2 ** -24);
  });

  it("counts the overflows: S · g ≥ 65520 is inf in fp16", () => {
    // at S = 2^16: 1 → 65536 (inf), 0.9995 → 65503.2 → 65504 (finite), -2 → -inf. 2 of 4.
    expect(overflowShare([1, 0.9995, -2, 1e-3], 2 ** 16)).toBe(0.5);
    expect(overflowShare([1, 0.9995, -2, 1e-3], 2 ** 14)).toBe(0);
  });

  it("the fp32 run is the package's own training loop, loss for loss", () => {
    // same seed, same batches, same AdamW, clipping and schedule: only the bookkeeping differs
    const a = createGPT(tiny, 5);
    const b = createGPT(tiny, 5);
    const ours = trainMixed(a, tokens, "fp32", cfg).map((s) => s.loss);
    const theirs = train(b, tokens, { ...cfg, accum: 1 });
    expect(ours).toEqual(theirs);
    expect(a.params.flat).toEqual(b.params.flat);
  });

  it("skips the steps whose scaled gradients overflow, halving S each time, and leaves θ alone", () => {
    // S₀ = 2^24: the largest gradient (~0.3 here) times 2^24 is far above 65504, so the
    // first steps overflow; each skip halves S until S · max|g| < 65520 (2^17 here), then it steps
    const model = createGPT(tiny, 5);
    const before: Float32Array[] = [];
    const log = trainMixed(
      model,
      tokens,
      "fp16-scaled",
      { ...cfg, steps: 16, scaler: { initScale: 2 ** 24 } },
      () => before.push(Float32Array.from(model.params.flat)),
    );
    const skipped = log.filter((s) => s.skipped).length;
    expect(skipped).toBeGreaterThan(2);
    // the skips come first, in a row, and S halves at each
    log.slice(0, skipped).forEach((s, i) => {
      expect(s.skipped).toBe(true);
      expect(s.scale).toBe(2 ** (24 - i));
    });
    expect(log[skipped].skipped).toBe(false);
    // a skipped step does not touch the master weights; the first real step does
    const initial = createGPT(tiny, 5).params.flat;
    for (let i = 0; i < skipped; i++) expect(before[i]).toEqual(initial);
    expect(before[skipped]).not.toEqual(initial);
  });

  it("fp16 without scaling flushes some gradients; with S = 2^12 fewer; bf16 none", () => {
    const flushed = (p: "fp16" | "fp16-scaled" | "bf16") =>
      trainMixed(createGPT(tiny, 5), tokens, p, {
        ...cfg,
        steps: 3,
        scaler: { initScale: 2 ** 12, dynamic: false },
      }).reduce((s, x) => s + x.flushed, 0);
    const plain = flushed("fp16");
    expect(plain).toBeGreaterThan(0);
    expect(flushed("fp16-scaled")).toBeLessThan(plain);
    expect(flushed("bf16")).toBe(0);
  });

  it("halfLinear rounds x, W, b and y to fp16, by hand and against float32 on random data", () => {
    // x = 1 + 2^-11 rounds to 1 (tie to even), W = 3, b = 2^-12 rounds to itself:
    // y = 1·3 + 2^-12 = 3.000244…, and fp16's ulp at 3 is 2^-9: → 3
    const W = { weight: Float32Array.of(3), bias: Float32Array.of(2 ** -12) };
    expect(halfLinear("fp16")(0, "c_fc", Float32Array.of(1 + 2 ** -11), 1, 1, 1, W)[0]).toBe(3);
    // on random [4, 32] · [32, 8]: within a few fp16 ulps of the float32 linear
    const rng = new Rng(2);
    const x = randn(rng, [4 * 32]).data;
    const R = { weight: randn(rng, [32 * 8], 0.2).data, bias: randn(rng, [8], 0.1).data };
    const y32 = new Float32Array(4 * 8);
    linearForward(y32, x, R.weight, R.bias, 4, 32, 8);
    const y16 = halfLinear("fp16")(0, "c_fc", x, 4, 32, 8, R);
    y16.forEach((v, i) => expect(Math.abs(v - y32[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(y32[i]))));
    expect(y16.some((v, i) => v !== y32[i])).toBe(true);
  });
});
