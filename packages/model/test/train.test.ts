import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { createGPT } from "../src/gpt.ts";
import { decayMask, sampleBatch, train } from "../src/train.ts";
import { trainModelConfig, trainRun, trainStream } from "./helpers.ts";

const config = trainModelConfig;
const tokens = trainStream;
const cfg = trainRun;

describe("training", () => {
  it("is reproducible: same seed, same losses, bit for bit", () => {
    const a = train(createGPT(config, cfg.seed), tokens, cfg);
    const b = train(createGPT(config, cfg.seed), tokens, cfg);
    expect(a).toHaveLength(6);
    expect(b).toEqual(a);
    const c = train(createGPT(config, 43), tokens, { ...cfg, seed: 43 });
    expect(c).not.toEqual(a); // and the seed matters
  });

  it("learns: the loss falls well below the uniform ln(32) = 3.47", () => {
    const losses = train(createGPT(config, 1), tokens, { ...cfg, steps: 60, warmup: 5 });
    expect(losses[0]).toBeGreaterThan(3.3);
    const last = losses.slice(-5).reduce((s, x) => s + x, 0) / 5;
    expect(last).toBeLessThan(2.0);
  });

  it("sampleBatch: targets are the inputs shifted by one token", () => {
    const { x, y } = sampleBatch(new Rng(1), tokens, 3, 8);
    for (let b = 0; b < 3; b++) for (let t = 0; t < 7; t++) expect(y[b * 8 + t]).toBe(x[b * 8 + t + 1]);
    expect(() => sampleBatch(new Rng(1), tokens.subarray(0, 8), 1, 8)).toThrow(
      /need at least T \+ 1 = 9 tokens, have 8/,
    );
  });

  it("weight decay applies to matrices and embeddings only", () => {
    const m = createGPT(config, 1);
    const mask = decayMask(m);
    const D = 16;
    const V = 32;
    const P = 16;
    // wte and wpe come first (decayed), then h.0.ln_1.weight (not decayed)
    expect(mask.subarray(0, V * D + P * D).every((v) => v === 1)).toBe(true);
    expect(mask.subarray(V * D + P * D, V * D + P * D + 2 * D).every((v) => v === 0)).toBe(true);
    // decayed count = wte + wpe + per layer (c_attn, attn.c_proj, c_fc, mlp.c_proj weights)
    const expected = V * D + P * D + 2 * (3 * D * D + D * D + 4 * D * D + 4 * D * D);
    expect(mask.reduce((s, v) => s + v, 0)).toBe(expected);
  });
});
