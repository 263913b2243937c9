// Exercise checkpointed-backward: src/recompute.ts.
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
import { activationBytesPerLayer, type Recompute } from "../src/memory.ts";
import { lossAndGradsRecompute, ourActivationBytesPerLayer } from "../src/recompute.ts";

const MODES: Recompute[] = ["none", "selective", "full"];

// A tiny GPT whose every parameter is drawn from N(0, 0.3²) (biases and γ too, so a
// wrong path through any of them changes a gradient).
const tinyModel = (config: ReturnType<typeof makeConfig>, seed: number): GPT => {
  const model = createGPT(config, seed);
  const r = new Rng(seed + 1);
  for (let i = 0; i < model.params.flat.length; i++) model.params.flat[i] = r.normal(0, 0.3);
  return model;
};
const tokens = (n: number, V: number, seed: number): number[] => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.int(V));
};

// The index of the first element where a and b differ in any bit (NaN included), or -1.
const firstDifference = (a: Float32Array | Float64Array, b: Float32Array | Float64Array): number => {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
};

// The hand count of §"what this file measures" for one tiny config:
//   n_layer 2, n_head a = 2, n_embd h = 8, vocab V = 11, B = b = 1, T = s = 16; N = 16 rows.
// In floats (4 bytes each):
//   X  one residual-stream tensor x_l, N·C               = 16·8             = 128
//   A  a block's saved tensors but x and P:
//        ln_1 out 128, q k v 384, heads' out 128, res2 128, ln_2 out 128,
//        c_fc out 512, GELU out 512  (15·N·C = 1920),
//        mean and rstd of both LayerNorms 4·N = 64                          = 1984
//   P  the attention probabilities, B·H·T·T              = 1·2·16·16        = 512
//   Hd the head: ln_f out 128, its mean and rstd 32, logits N·V = 176       = 336
// What each block keeps from the forward (its input x_l included):
//   none       X + A + P = 2624 floats = 10496 bytes
//   selective  X + A     = 2112 floats =  8448 bytes
//   full       X         =  128 floats =   512 bytes
// and the head keeps x_2 (the last block's output) + Hd = 464 floats = 1856 bytes.
// The peak, the largest of the moments that can be worst:
//   none       end of forward: 3X + 2(A + P) + Hd         = 384 + 4992 + 336 = 5712 floats = 22848 bytes
//   selective  end of forward: 3X + 2A + Hd                = 384 + 3968 + 336 = 4688
//              backward of block 1 (head and x_2 freed, P recomputed):
//                             2X + 2A + P                 = 256 + 3968 + 512 = 4736 floats = 18944 bytes
//   full       forward of block 1 (x_0, x_1, x_2 + the block in flight): 3X + A = 2368
//              end of forward: 3X + Hd = 720
//              backward of block 1 (x_0, x_1 + the recomputed block with P):
//                             2X + A + P                  = 256 + 1984 + 512 = 2752 floats = 11008 bytes
const tiny = makeConfig({ n_layer: 2, n_head: 2, n_embd: 8, n_positions: 16, vocab_size: 11 });
const TB = 1;
const TT = 16;
const HAND = {
  none: { block: 10496, peak: 22848, peakAt: "forward, LM head" },
  selective: { block: 8448, peak: 18944, peakAt: "backward, block 1" },
  full: { block: 512, peak: 11008, peakAt: "backward, block 1" },
} as const;

describe("exercise: checkpointed-backward", () => {
  const model = tinyModel(tiny, 5);
  const ids = tokens(TB * TT, tiny.vocab_size, 1);
  const targets = tokens(TB * TT, tiny.vocab_size, 2);
  targets[4] = -1; // a position without a target
  const ref = zeroGrads(model);
  const refLoss = lossAndGrads(model, ids, targets, TB, TT, ref).loss;

  // Recomputation runs the same block code on the same input, so it gets the same bits:
  // every gradient equal to lossAndGrads's exactly, no tolerance.
  for (const mode of MODES)
    it(`"${mode}": loss and every gradient equal lossAndGrads's, bit for bit`, () => {
      const g = zeroGrads(model);
      const r = lossAndGradsRecompute(model, ids, targets, TB, TT, g, mode);
      expect(r.loss).toBe(refLoss);
      expect(firstDifference(g.flat, ref.flat)).toBe(-1);
      expect(g.flat.some((v) => v !== 0)).toBe(true); // not vacuous
    });

  for (const mode of MODES)
    it(`"${mode}": the measured peak and per-block bytes are the hand count`, () => {
      const r = lossAndGradsRecompute(model, ids, targets, TB, TT, zeroGrads(model), mode);
      expect(r.keptPerBlock).toEqual([HAND[mode].block, HAND[mode].block]);
      expect(r.keptHead).toBe(1856);
      expect(r.peakBytes).toBe(HAND[mode].peak);
      expect(r.peakAt).toBe(HAND[mode].peakAt);
    });

  it("adds to grads, like lossAndGrads: two calls into one buffer equal two lossAndGrads calls", () => {
    // (not exactly 2·g: the second call adds its terms one by one onto the first's sums)
    const g = zeroGrads(model);
    lossAndGradsRecompute(model, ids, targets, TB, TT, g, "full");
    lossAndGradsRecompute(model, ids, targets, TB, TT, g, "selective");
    const twice = zeroGrads(model);
    lossAndGrads(model, ids, targets, TB, TT, twice);
    lossAndGrads(model, ids, targets, TB, TT, twice);
    expect(firstDifference(g.flat, twice.flat)).toBe(-1);
  });

  it("on the trained target with a batch of the corpus, every mode's gradients are lossAndGrads's", async () => {
    const target = loadCheckpoint(checkpointDir("target"));
    const s = await trainTokens(2 * 33 + 1);
    const B = 2;
    const T = 32;
    const x = Array.from({ length: B * T }, (_, i) => s[Math.floor(i / T) * (T + 1) + (i % T)]);
    const y = Array.from({ length: B * T }, (_, i) => s[Math.floor(i / T) * (T + 1) + (i % T) + 1]);
    const want = zeroGrads(target);
    const wantLoss = lossAndGrads(target, x, y, B, T, want).loss;
    for (const mode of MODES) {
      const g = zeroGrads(target);
      expect(lossAndGradsRecompute(target, x, y, B, T, g, mode).loss, mode).toBe(wantLoss);
      expect(firstDifference(g.flat, want.flat), mode).toBe(-1);
    }
  });
});

// Our per-layer formula against Korthikanti et al.'s (src/memory.ts, 16-bit activations with
// dropout masks), for the tiny config: s = 16, b = 1, h = 8, a = 2, so sbh = 128, sb = 16.
//   Korthikanti  none       sbh·(34 + 5·a·s/h) = 128·(34 + 20) = 6912
//                selective  sbh·34             = 4352
//                full       sbh·2              = 256
//   ours         none       sbh·(64 + 4·a·s/h) + 16·sb = 128·(64 + 16) + 256 = 10496
//                selective  sbh·64 + 16·sb             = 8448
//                full       sbh·4                      = 512
// From theirs to ours: drop the dropout masks (2·sbh, and a·s²·b = 512 in "none"), double
// for 4-byte floats, drop the dropout's copy of the probabilities (2·a·s²·b at 2 bytes, 4·a·s²·b
// = 2048 at 4), add the LayerNorm statistics (16·sb = 256) their count leaves out:
//   none       2·(6912 − 256 − 512) − 2048 + 256 = 10496
//   selective  2·(4352 − 256) + 256            = 8448
//   full       2·256                            = 512
describe("our per-layer formula vs Korthikanti's (src/memory.ts)", () => {
  const shape = { s: TT, b: TB, h: tiny.n_embd, a: tiny.n_head };
  const sbh = TT * TB * tiny.n_embd;
  const as2b = tiny.n_head * TT * TT * TB;

  it("Korthikanti's numbers for the tiny config, by hand", () => {
    expect(activationBytesPerLayer(shape, "none")).toBe(6912);
    expect(activationBytesPerLayer(shape, "selective")).toBe(4352);
    expect(activationBytesPerLayer(shape, "full")).toBe(256);
  });

  it("ours follow from theirs: fp32, no dropout, LayerNorm statistics counted", () => {
    const k = (m: Recompute) => activationBytesPerLayer(shape, m);
    const stats = 16 * TT * TB;
    expect(2 * (k("none") - 2 * sbh - as2b) - 4 * as2b + stats).toBe(10496);
    expect(2 * (k("selective") - 2 * sbh) + stats).toBe(8448);
    expect(2 * k("full")).toBe(512);
    for (const mode of MODES) expect(ourActivationBytesPerLayer(shape, mode)).toBe(HAND[mode].block);
  });

  it("the measured per-block bytes equal our formula at other shapes too", () => {
    // B = 2, T = 12, H = 4, C = 16: a shape the hand count above did not fix
    const config = makeConfig({ n_layer: 3, n_head: 4, n_embd: 16, n_positions: 12, vocab_size: 9 });
    const model = tinyModel(config, 9);
    const ids = tokens(24, 9, 3);
    for (const mode of MODES) {
      const r = lossAndGradsRecompute(model, ids, tokens(24, 9, 4), 2, 12, zeroGrads(model), mode);
      const want = ourActivationBytesPerLayer({ s: 12, b: 2, h: 16, a: 4 }, mode);
      expect(r.keptPerBlock, mode).toEqual([want, want, want]);
    }
  });
});

describe("lossAndGradsRecompute refuses bad input", () => {
  const model = tinyModel(tiny, 5);
  const ids = tokens(16, 11, 1);
  it("an unknown mode, ids that are not B·T long, a T past n_positions", () => {
    const g = zeroGrads(model);
    expect(() => lossAndGradsRecompute(model, ids, ids, 1, 16, g, "some" as Recompute)).toThrow(
      /mode must be "none", "selective" or "full", got some/,
    );
    expect(() => lossAndGradsRecompute(model, ids, ids, 2, 16, g, "full")).toThrow(/expected B·T = 32/);
    expect(() => lossAndGradsRecompute(model, ids.concat(ids), ids.concat(ids), 1, 32, g, "full")).toThrow(
      /n_positions \(16\)/,
    );
  });
});
