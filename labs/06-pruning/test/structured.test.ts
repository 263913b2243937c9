import { beforeAll, describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import {
  calibrationInputs,
  forward,
  heldoutTokens,
  trainTokens,
  viewParams,
  type GPT,
} from "@llm-labs/model";
import {
  keepHighest,
  pruneStructured,
  sliceChannels,
  sliceHeads,
  slimForward,
  slimParamCount,
  toSlim,
  unitContributions,
} from "../src/structured.ts";
import { maxAbsDiff, targetModel } from "./util.ts";

// The dense specimen with heads / channels silenced instead of removed: zero the
// rows of attn.c_proj that read a head, and the rows of mlp.c_proj that read a
// channel. packages/model's own forward then computes what the slim model must.
function silenced(model: GPT, heads: number[][], channels: number[][]): GPT {
  const flat = Float32Array.from(model.params.flat);
  const p = viewParams(model.config, flat).params;
  const C = 128;
  const hs = 32;
  p.h.forEach((b, l) => {
    for (const h of heads[l]) b.attn_c_proj.weight.fill(0, h * hs * C, (h + 1) * hs * C);
    for (const j of channels[l]) b.mlp_c_proj.weight.fill(0, j * C, (j + 1) * C);
  });
  return { config: model.config, params: p };
}

describe("exercise: slice-structures", () => {
  let model: GPT;
  let ids: number[];
  beforeAll(async () => {
    model = targetModel();
    ids = (await heldoutTokens(64)).slice(0, 64);
  });
  it("with every unit kept, the slim forward pass equals packages/model's", () => {
    const slim = toSlim(model);
    slim.blocks.forEach((b, l) => {
      Object.assign(
        b,
        sliceHeads(b.c_attn, b.attn_c_proj, [0, 1, 2, 3], 128, 32),
        sliceChannels(
          b.c_fc,
          b.mlp_c_proj,
          Array.from({ length: 512 }, (_, j) => j),
          128,
          512,
        ),
      );
      expect(maxAbsDiff(b.c_attn.weight, model.params.h[l].c_attn.weight)).toBe(0);
    });
    expect(maxAbsDiff(slimForward(slim, ids), forward(model, ids, 1, 64).logits)).toBeLessThan(1e-5);
  });
  it("removing heads and channels gives the logits of the dense model with those units silenced", () => {
    const dropHeads = [[1], [0, 3], [], [2]];
    const dropCh = [0, 1, 2, 3].map((l) =>
      Array.from({ length: 512 }, (_, j) => j).filter((j) => (j * 7 + l) % 3 === 0),
    );
    const slim = toSlim(model);
    slim.blocks.forEach((b, l) => {
      const kh = [0, 1, 2, 3].filter((h) => !dropHeads[l].includes(h));
      const kc = Array.from({ length: 512 }, (_, j) => j).filter((j) => !dropCh[l].includes(j));
      Object.assign(
        b,
        { nHead: kh.length, ffn: kc.length },
        sliceHeads(b.c_attn, b.attn_c_proj, kh, 128, 32),
        sliceChannels(b.c_fc, b.mlp_c_proj, kc, 128, 512),
      );
    });
    expect(
      maxAbsDiff(slimForward(slim, ids), forward(silenced(model, dropHeads, dropCh), ids, 1, 64).logits),
    ).toBeLessThan(1e-4);
  });
  it("the parameters really go: one head and 256 channels per layer, counted by hand", () => {
    // per layer: c_attn loses 128·96 weights + 96 biases, attn.c_proj 32·128; c_fc 128·256 + 256, mlp.c_proj 256·128
    const perLayer = 128 * 96 + 96 + 32 * 128 + 128 * 256 + 256 + 256 * 128;
    const slim = toSlim(model);
    const full = slimParamCount(slim);
    slim.blocks.forEach((b) =>
      Object.assign(
        b,
        sliceHeads(b.c_attn, b.attn_c_proj, [0, 1, 2], 128, 32),
        sliceChannels(
          b.c_fc,
          b.mlp_c_proj,
          Array.from({ length: 256 }, (_, j) => 2 * j),
          128,
          512,
        ),
      ),
    );
    // the target: wte 1024·128 + wpe 128·128 + ln_f 2·128, and per block 2 LayerNorms (4·128) and the four linears
    expect(full).toBe(
      1024 * 128 +
        128 * 128 +
        256 +
        4 * (4 * 128 + 128 * 384 + 384 + 128 * 128 + 128 + 128 * 512 + 512 + 512 * 128 + 128),
    );
    expect(full - slimParamCount(slim)).toBe(4 * perLayer);
  });
});

describe("choosing units to remove", () => {
  it("contribution norms by hand, with and without mean compensation", () => {
    // A [T = 2, 2 units of width 1] = [[1, 3], [3, 3]], W [2, C = 1] = [[1], [3]]
    // no compensation: unit 0 adds [1, 3] → √10, unit 1 adds [9, 9] → √162: drop unit 0
    // compensated (means 2 and 3): unit 0 adds [−1, 1] → √2, unit 1 is constant → 0: drop unit 1 (its mean goes to the bias)
    const raw = unitContributions([1, 3, 3, 3], 2, 2, 1, [1, 3], 1, false);
    const comp = unitContributions([1, 3, 3, 3], 2, 2, 1, [1, 3], 1, true);
    expect(maxAbsDiff(raw.score, [Math.sqrt(10), Math.sqrt(162)])).toBeLessThan(1e-12);
    expect(maxAbsDiff(comp.score, [Math.SQRT2, 0])).toBeLessThan(1e-12);
    expect(keepHighest(raw.score, 1)).toEqual([1]);
    expect(keepHighest(comp.score, 1)).toEqual([0]);
  });
  it("pruneStructured removes what it is asked to, and refuses to remove every head", async () => {
    const model = targetModel();
    const calib = calibrationInputs(model, await trainTokens(128));
    const slim = pruneStructured(model, calib, { headsRemoved: 1, channelsRemoved: 128, compensate: true });
    for (const b of slim.blocks) {
      expect([b.nHead, b.ffn, b.c_attn.weight.length, b.mlp_c_proj.weight.length]).toEqual([
        3,
        384,
        128 * 288,
        384 * 128,
      ]);
    }
    expect(() =>
      pruneStructured(model, calib, { headsRemoved: 4, channelsRemoved: 0, compensate: true }),
    ).toThrow(UserError);
  });
});
