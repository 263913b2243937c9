// Exercise accumulation-weighting: src/accumulation.ts.
import {
  checkpointDir,
  createGPT,
  type GPT,
  loadCheckpoint,
  lossAndGrads,
  makeConfig,
  trainTokens,
  zeroGrads,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import {
  accumulateGradients,
  countTargets,
  type MicroBatch,
  microBatchWeights,
  relativeError,
} from "../src/accumulation.ts";

// A window of a seeded random token stream: ids = s[0 .. T), targets = s[1 .. T].
const stream = (n: number, seed: number, V: number): number[] => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.int(V));
};
const window = (s: number[], at: number, T: number): MicroBatch => ({
  ids: s.slice(at, at + T),
  targets: s.slice(at + 1, at + T + 1),
  B: 1,
  T,
});

// The same sequences as ONE batch [k, T_max]: each row padded on the right, its
// padded targets -1 (no loss). Causal attention keeps a row's first T_i positions
// blind to the padding, so its logits there are those of the unpadded row, and
// lossAndGrads averages over the Σ n_i real targets: the large batch's gradient.
const padded = (rows: MicroBatch[]): MicroBatch => {
  const T = Math.max(...rows.map((r) => r.T));
  const ids = new Int32Array(rows.length * T);
  const targets = new Int32Array(rows.length * T).fill(-1);
  rows.forEach((r, b) => {
    for (let t = 0; t < r.T; t++) {
      ids[b * T + t] = r.ids[t];
      targets[b * T + t] = r.targets[t];
    }
  });
  return { ids, targets, B: rows.length, T };
};

const bigBatch = (model: GPT, b: MicroBatch): { loss: number; grad: Float32Array | Float64Array } => {
  const grads = zeroGrads(model);
  const { loss } = lossAndGrads(model, b.ids, b.targets, b.B, b.T, grads);
  return { loss, grad: grads.flat };
};

// A small float64 GPT: equality up to float64 rounding checks the algebra itself.
const small64 = (): GPT =>
  createGPT(makeConfig({ n_layer: 2, n_head: 2, n_embd: 16, n_positions: 32, vocab_size: 64 }), 3, "float64");

let target: GPT | undefined;
const gpt2 = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));

describe("exercise: accumulation-weighting", () => {
  it("weights micro-batches of 1 and 3 tokens by hand: 1/4 and 3/4, not 1/2 and 1/2", () => {
    // Micro-batch 1 holds one token with loss 4.0; micro-batch 2 three tokens with loss 1.0 each.
    //   L_1 = 4,  L_2 = (1 + 1 + 1) / 3 = 1
    //   token mean:    (4 + 1 + 1 + 1) / 4 = 7/4 = 1.75 = (1/4)·4 + (3/4)·1
    //   mean of means: (L_1 + L_2) / 2     = 5/2 = 2.5,  43% too high: the one token
    //                  counts as much as the other three together
    const tokens = microBatchWeights([1, 3], "tokens");
    const means = microBatchWeights([1, 3], "mean-of-means");
    expect(tokens).toEqual([0.25, 0.75]);
    expect(means).toEqual([0.5, 0.5]);
    const L = [4, 1];
    expect(tokens[0] * L[0] + tokens[1] * L[1]).toBeCloseTo(1.75, 12);
    expect(means[0] * L[0] + means[1] * L[1]).toBeCloseTo(2.5, 12);
    // with equal counts the two weightings agree: why the bug hides in pre-training on full windows
    expect(microBatchWeights([64, 64, 64, 64], "tokens")).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(microBatchWeights([64, 64, 64, 64], "mean-of-means")).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("k equal micro-batches give the big batch's gradient (float64: to 1e-12)", () => {
    const m = small64();
    const s = stream(200, 1, 64);
    const micro = [0, 40, 80, 120].map((at) => window(s, at, 24));
    const big: MicroBatch = {
      ids: micro.flatMap((b) => Array.from(b.ids)),
      targets: micro.flatMap((b) => Array.from(b.targets)),
      B: 4,
      T: 24,
    };
    const ref = bigBatch(m, big);
    for (const weighting of ["tokens", "mean-of-means"] as const) {
      const acc = accumulateGradients(m, micro, weighting);
      expect(acc.counts).toEqual([24, 24, 24, 24]);
      expect(relativeError(acc.grads.flat, ref.grad)).toBeLessThan(1e-12);
      expect(acc.loss).toBeCloseTo(ref.loss, 12);
    }
  });

  it("micro-batches of T = 4, 8, 16, 28: token weights give the big batch, 1/k does not", () => {
    const m = small64();
    const s = stream(200, 2, 64);
    const micro = [4, 8, 16, 28].map((T, i) => window(s, 40 * i, T));
    const ref = bigBatch(m, padded(micro));
    const right = accumulateGradients(m, micro, "tokens");
    const wrong = accumulateGradients(m, micro, "mean-of-means");
    expect(right.counts).toEqual([4, 8, 16, 28]);
    expect(relativeError(right.grads.flat, ref.grad)).toBeLessThan(1e-12);
    expect(right.loss).toBeCloseTo(ref.loss, 12);
    // 1/k gives the 4-token micro-batch 1/4 of the weight instead of 4/56 = 1/14
    const err = relativeError(wrong.grads.flat, ref.grad);
    expect(err).toBeGreaterThan(0.05);
    // and the gap is exactly Σ_i (1/k − n_i/N)·∇L_i, the mean of means minus the token mean
    const diff = new Float64Array(ref.grad.length);
    micro.forEach((b, i) => {
      const gi = bigBatch(m, b).grad;
      const c = 1 / 4 - b.T / 56;
      for (let j = 0; j < diff.length; j++) diff[j] += c * gi[j];
    });
    const gap = wrong.grads.flat.map((v, j) => v - right.grads.flat[j]);
    expect(relativeError(gap, diff)).toBeLessThan(1e-10);
  });

  it("GPT-2 target, float32, a loss mask of different length per micro-batch: equal to ~1e-6", async () => {
    // Fine-tuning style: every micro-batch is a full window of T = 32, but only the
    // last n_i targets count (the "answer"); the rest are -1 (the "prompt").
    const m = gpt2();
    const s = await trainTokens(400);
    const answers = [2, 6, 12, 30];
    const micro = answers.map((n, i) => {
      const b = window(s, 64 * i, 32);
      const targets = Array.from(b.targets, (y, t) => (t >= 32 - n ? y : -1));
      return { ...b, targets };
    });
    expect(micro.map((b) => countTargets(b.targets))).toEqual(answers);
    const big: MicroBatch = {
      ids: micro.flatMap((b) => Array.from(b.ids)),
      targets: micro.flatMap((b) => Array.from(b.targets)),
      B: 4,
      T: 32,
    };
    const ref = bigBatch(m, big);
    const right = accumulateGradients(m, micro, "tokens");
    const wrong = accumulateGradients(m, micro, "mean-of-means");
    // float32: u = 2⁻²⁴ ≈ 6e-8 per rounding; the weight gradients sum N·... products in a
    // different order (4 sums of n_i rows vs one of N rows, then × w_i), so the two
    // gradients differ by rounding only: ~u·√(terms) per sum through 4 layers, ~1e-7..1e-6
    // in norm (measured 3e-7). 1e-5 leaves a margin of 30×; the wrong weighting is off
    // by > 10% (measured 54%, and its loss 0.28 instead of the token mean 0.50).
    expect(relativeError(right.grads.flat, ref.grad)).toBeLessThan(1e-5);
    expect(right.loss).toBeCloseTo(ref.loss, 5);
    expect(relativeError(wrong.grads.flat, ref.grad)).toBeGreaterThan(0.1);
    expect(Math.abs(wrong.loss - ref.loss)).toBeGreaterThan(0.05);
  });

  it("refuses a micro-batch with no targets, in one line", () => {
    expect(() => microBatchWeights([3, 0])).toThrow(
      "microBatchWeights: micro-batch 1 has 0 targets; each needs at least 1",
    );
  });
});
