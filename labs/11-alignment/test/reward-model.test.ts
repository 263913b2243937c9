import { beforeAll, describe, expect, it } from "vitest";
import { centralDifference, Rng } from "@llm-labs/tensor";
import { createGPT, forward, makeConfig, viewParams, zeroGrads, type GPT } from "@llm-labs/model";
import {
  bradleyTerry,
  createRewardModel,
  pairAccuracy,
  packPairs,
  rewardLossAndGrads,
  rewards,
  trainRewardModel,
  type Pair,
  type RewardModel,
} from "../src/reward-model.ts";
import { packBatch, type SeqBatch } from "../src/sequences.ts";

// A tiny GPT with every parameter random (LayerNorm γ, β and biases too), so every path matters.
const config = makeConfig({ n_layer: 2, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 13 });
const C = config.n_embd;
function tinyModel(seed: number): GPT {
  const m = createGPT(config, seed, "float64");
  const rng = new Rng(seed + 1);
  for (let i = 0; i < m.params.flat.length; i++) m.params.flat[i] = rng.normal(0, 0.3);
  return m;
}
// A reward model on it with a head that is not small, so ∂L/∂h = dr·w is not either.
function tinyRewardModel(seed: number): RewardModel {
  const rm = createRewardModel(tinyModel(seed), seed);
  const rng = new Rng(seed + 2);
  for (let i = 0; i < C; i++) rm.head[i] = rng.normal(0, 0.5);
  rm.head[C] = 0.3;
  return rm;
}

describe("exercise: bradley-terry", () => {
  // Margins m = r_c − r_r of 0, 1, −1, with σ(m) = 1 / (1 + e^(−m)):
  //   σ(0) = ½            −log σ(0)  = ln 2           = 0.693147
  //   σ(1) = 0.731059     −log σ(1)  = ln(1 + e^(−1)) = 0.313262
  //   σ(−1) = 0.268941    −log σ(−1) = ln(1 + e)      = 1.313262
  //   L = (0.693147 + 0.313262 + 1.313262) / 3 = 0.773224
  //   ∂L/∂r_c = −(1 − σ(m)) / 3 = −0.5/3, −0.268941/3, −0.731059/3;  ∂L/∂r_r = the same, +
  // Only the pair with m = 1 is ranked right: accuracy 1/3 (a tie is not a win).
  it("a hand-worked example: margins 0, 1, −1", () => {
    const bt = bradleyTerry([2, 1.5, 0], [2, 0.5, 1]);
    expect(bt.loss).toBeCloseTo(0.773224, 6);
    const dc = [-0.5 / 3, -0.268941 / 3, -0.731059 / 3];
    dc.forEach((d, i) => {
      expect(bt.dChosen[i]).toBeCloseTo(d, 6);
      expect(bt.dRejected[i]).toBeCloseTo(-d, 6);
    });
    expect(bt.accuracy).toBeCloseTo(1 / 3, 12);
  });

  it("equal rewards: the loss is ln 2 and each pair pulls with ∓½ / P", () => {
    const P = 4;
    const r = [0.3, -2, 7, 0];
    const bt = bradleyTerry(r, r);
    expect(bt.loss).toBeCloseTo(Math.LN2, 12);
    for (let i = 0; i < P; i++) {
      expect(bt.dChosen[i]).toBeCloseTo(-0.5 / P, 12);
      expect(bt.dRejected[i]).toBeCloseTo(0.5 / P, 12);
    }
    expect(bt.accuracy).toBe(0);
  });

  it("the gradient agrees with central differences, and huge margins stay finite", () => {
    const rc = [0.5, -1.2, 3, 0.1, -4];
    const rr = [0.2, 0.7, -1, 0.1, 2];
    const bt = bradleyTerry(rc, rr);
    const h = 1e-6;
    for (const [side, grad] of [
      [rc, bt.dChosen],
      [rr, bt.dRejected],
    ] as const) {
      for (let i = 0; i < side.length; i++) {
        const keep = side[i];
        side[i] = keep + h;
        const up = bradleyTerry(rc, rr).loss;
        side[i] = keep - h;
        const down = bradleyTerry(rc, rr).loss;
        side[i] = keep;
        expect(Math.abs(grad[i] - (up - down) / (2 * h)), `pair ${i}`).toBeLessThan(1e-8);
      }
    }
    // −log σ(−1000) = 1000 (e^1000 overflows a naive log(1 + e^(−m))); −log σ(1000) = 0
    const far = bradleyTerry([0, 1000], [1000, 0]);
    expect(far.loss).toBeCloseTo(1000 / 2, 9);
    expect(far.dChosen[0]).toBeCloseTo(-1 / 2, 12);
    expect(far.dChosen[1]).toBeCloseTo(0, 12);
  });

  it("refuses mismatched or empty inputs", () => {
    expect(() => bradleyTerry([1, 2], [1])).toThrow(/2 chosen rewards but 1 rejected/);
    expect(() => bradleyTerry([], [])).toThrow(/no pairs/);
  });
});

// The same rows with more padding, of another id: T grows to T2, the real tokens stay.
function repad(batch: SeqBatch, padId: number, T2: number): SeqBatch {
  const ids = new Int32Array(batch.B * T2).fill(padId);
  for (let b = 0; b < batch.B; b++)
    ids.set(batch.ids.subarray(b * batch.T, b * batch.T + batch.length[b]), b * T2);
  return { ...batch, T: T2, ids, targets: new Int32Array(batch.B * T2).fill(-1) };
}

describe("the reward reads the last real token, never the padding", () => {
  const rm = tinyRewardModel(5);
  const rows = [
    { prompt: [1, 2, 3], completion: [4] },
    { prompt: [5], completion: [6, 7, 8, 9] },
    { prompt: [10, 11], completion: [] },
  ];
  const batch = packBatch(rows, 0); // T = 5; rows of length 4, 5 and 2

  it("is h·w + b at position length − 1 of the row run alone, with no padding", () => {
    const r = rewards(rm, batch);
    rows.forEach((row, b) => {
      const seq = [...row.prompt, ...row.completion];
      const lnf = forward(rm.model, seq, 1, seq.length).lnf;
      let want = rm.head[C];
      for (let i = 0; i < C; i++) want += lnf[(seq.length - 1) * C + i] * rm.head[i];
      expect(Math.abs(r[b] - want), `row ${b}`).toBeLessThan(1e-12);
    });
  });

  it("does not change with the padding id or with more padding", () => {
    const r = rewards(rm, batch);
    for (const other of [repad(batch, 12, batch.T), repad(batch, 7, 8)]) {
      const r2 = rewards(rm, other);
      for (let b = 0; b < batch.B; b++) expect(Math.abs(r2[b] - r[b]), `row ${b}`).toBeLessThan(1e-12);
    }
  });

  it("refuses a row whose length is outside the batch", () => {
    const bad = { ...batch, length: Int32Array.from([4, 6, 2]) };
    expect(() => rewards(rm, bad)).toThrow(/row 1 has length 6, outside 1..5/);
  });
});

describe("the whole reward model's gradient vs central differences (float64)", () => {
  // Pairs of different lengths, so the last-token rows sit at different positions.
  const pairs: Pair[] = [
    { prompt: [1, 2], chosen: [3, 4, 5], rejected: [6] },
    { prompt: [7], chosen: [8], rejected: [9, 10, 11, 1] },
    { prompt: [2, 4, 6], chosen: [], rejected: [8, 10] },
  ];
  const rm = tinyRewardModel(9);
  const loss = () => rewardLossAndGrads(rm, pairs, new Float64Array(C + 1)).loss;
  const dhead = new Float64Array(C + 1);
  const grads = zeroGrads(rm.model);
  beforeAll(() => {
    rewardLossAndGrads(rm, pairs, dhead, grads);
  });
  // (L(θ + h) − L(θ − h)) / 2h in float64 is good to ~1e-10 with h = 1e-5; 1e-7 is far
  // below any real mistake.
  const central = (theta: Float64Array, i: number) => centralDifference(theta, i, loss);

  it("the head: every w_i, and b, which cancels in every margin (∂L/∂b = 0)", () => {
    for (let i = 0; i <= C; i++)
      expect(Math.abs(dhead[i] - central(rm.head, i)), `head[${i}]`).toBeLessThan(1e-7);
    expect(Math.abs(dhead[C])).toBeLessThan(1e-15);
  });

  it("the body: embeddings, a block's linears and norms, ln_f", () => {
    const flat = rm.model.params.flat as Float64Array;
    const byName = viewParams(config, flat).byName;
    const at = (name: string, k: number) => {
      const t = byName.get(name);
      if (!t) throw new Error(`no parameter ${name}`);
      return (t.byteOffset - flat.byteOffset) / 8 + k;
    };
    const picks = [
      at("transformer.wte.weight", 3 * C + 1), // token 3, in a chosen completion
      at("transformer.wpe.weight", 2 * C + 5),
      at("transformer.h.0.attn.c_attn.weight", 17),
      at("transformer.h.0.ln_1.bias", 2),
      at("transformer.h.1.mlp.c_fc.weight", 40),
      at("transformer.h.1.mlp.c_proj.bias", 6),
      at("transformer.ln_f.weight", 4),
      at("transformer.ln_f.bias", 0),
    ];
    for (const i of picks)
      expect(Math.abs(grads.flat[i] - central(flat, i)), `parameter ${i}`).toBeLessThan(1e-7);
    // token 12 is in no row, and the LM head takes no part: its embedding gets nothing
    for (let k = 0; k < C; k++) expect(grads.flat[at("transformer.wte.weight", 12 * C + k)]).toBe(0);
  });

  it("rows 0..P−1 of the packed batch are the chosen completions, P..2P−1 the rejected", () => {
    const b = packPairs(pairs);
    expect(Array.from(b.length)).toEqual([5, 2, 3, 3, 5, 5]);
    expect(Array.from(b.ids.subarray(4 * b.T, 5 * b.T))).toEqual([7, 9, 10, 11, 1]);
  });
});

describe("training: a reward model learns 'the chosen completion contains token 3'", () => {
  // Completions of three tokens from 4..12; the chosen one has a 3 somewhere, the rejected
  // one is the same with that 3 swapped for another token.
  function makePairs(n: number, seed: number): Pair[] {
    const rng = new Rng(seed);
    return Array.from({ length: n }, () => {
      const rejected = Array.from({ length: 3 }, () => 4 + rng.int(9));
      const chosen = [...rejected];
      chosen[rng.int(3)] = 3;
      return { prompt: [1, 2], chosen, rejected };
    });
  }
  const pairs = makePairs(32, 1);

  it("accuracy climbs from chance to 1, on held-out pairs too, and the base model is untouched", () => {
    const base = createGPT(config, 4, "float32");
    const before = Float32Array.from(base.params.flat);
    const rm = createRewardModel(base, 4);
    const start = pairAccuracy(rm, pairs);
    const log = trainRewardModel(rm, pairs, { steps: 30, batchPairs: 8, lr: 1e-2, seed: 2 });
    expect(start).toBeLessThan(0.8);
    expect(log.at(-1)!.loss).toBeLessThan(log[0].loss);
    expect(pairAccuracy(rm, pairs)).toBe(1);
    expect(pairAccuracy(rm, makePairs(32, 7))).toBe(1);
    expect(Array.from(base.params.flat)).toEqual(Array.from(before));
  });

  it("with trainBody: false only the head moves", () => {
    const rm = createRewardModel(tinyModel(3), 3);
    const body = Float64Array.from(rm.model.params.flat);
    const head = Float64Array.from(rm.head);
    trainRewardModel(rm, pairs, { steps: 3, batchPairs: 4, lr: 1e-2, seed: 2, trainBody: false });
    expect(Array.from(rm.model.params.flat)).toEqual(Array.from(body));
    expect(Array.from(rm.head.subarray(0, C))).not.toEqual(Array.from(head.subarray(0, C)));
  });

  it("refuses a batch larger than the pairs", () => {
    const rm = createRewardModel(tinyModel(3), 3);
    expect(() => trainRewardModel(rm, pairs, { steps: 1, batchPairs: 33, lr: 1e-3, seed: 0 })).toThrow(
      /batchPairs 33 must be an integer in 1..32, the number of pairs/,
    );
  });
});
