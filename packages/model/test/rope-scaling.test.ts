// ropeFrequencies (rope-scaling.ts): each rope_scaling type against a hand calculation for
// d = 8, rope_theta = 10000, where the plain frequencies are
//   θ_i = 10000^(−2i/8) = 10^(−i):   [1, 0.1, 0.01, 0.001]
// (formulas: Chen et al. 2023 arXiv 2306.15595; Peng et al. 2023 arXiv 2309.00071; HF
// transformers' modeling_rope_utils.py), and one check through ropeForward: position
// interpolation by 2 turns position 2p exactly as plain RoPE turns position p.

import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { ropeForward } from "../src/llama-layers.ts";
import { ropeFrequencies } from "../src/rope-scaling.ts";

// hidden_size 16 / 2 heads → head_dim d = 8
function config(rope_scaling: Record<string, unknown> | null, max_position_embeddings = 2048) {
  return parseLlamaConfig({
    model_type: "llama",
    vocab_size: 10,
    hidden_size: 16,
    intermediate_size: 16,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    max_position_embeddings,
    rope_theta: 10000,
    rope_scaling,
    eos_token_id: 9,
  });
}

// relative agreement to ~1e-12: the hand values below are exact or given to more digits
function expectClose(got: ArrayLike<number>, want: number[]) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-12 * want[i] + 1e-15);
}

describe("ropeFrequencies", () => {
  it("rope_scaling null: θ_i = 10^(−i), no attention scaling", () => {
    const r = ropeFrequencies(config(null), 10);
    expectClose(r.invFreq, [1, 0.1, 0.01, 0.001]);
    expect(r.attentionScaling).toBe(1);
  });

  it('"linear" factor 2 halves every θ_i (position interpolation: p·θ/2 = (p/2)·θ)', () => {
    const r = ropeFrequencies(config({ rope_type: "linear", factor: 2 }), 10);
    expectClose(r.invFreq, [0.5, 0.05, 0.005, 0.0005]);
    expect(r.attentionScaling).toBe(1);
  });

  it('"dynamic": plain θ up to the trained context L, then base·(s·T/L − (s−1))^(d/(d−2))', () => {
    const c = config({ rope_type: "dynamic", factor: 2, original_max_position_embeddings: 512 });
    // T ≤ L = 512: unchanged
    expectClose(ropeFrequencies(c, 512).invFreq, [1, 0.1, 0.01, 0.001]);
    // T = 2L, s = 2: bracket 2·2 − 1 = 3, base' = 10000·3^(8/6), θ_i = base'^(−i/4)
    //   = 10^(−i) · 3^(−i/3):  3^(−1/3) = 0.693361274350634, 3^(−2/3) = 0.480749856769136, 3^(−1) = 1/3
    const r = ropeFrequencies(c, 1024);
    expectClose(r.invFreq, [1, 0.0693361274350634, 0.00480749856769136, 0.001 / 3]);
    expect(r.attentionScaling).toBe(1);
    // without original_max_position_embeddings, L is max_position_embeddings (2048): 1024 is inside
    const plain = config({ rope_type: "dynamic", factor: 2 });
    expectClose(ropeFrequencies(plain, 1024).invFreq, [1, 0.1, 0.01, 0.001]);
  });

  it('"yarn": fast pairs keep θ_i, slow ones get θ_i/s, a ramp between; temperature 0.1·ln s + 1', () => {
    // L = 2048, s = 4, β_fast = 32, β_slow = 1 (the defaults):
    //   dim(r) = 8·ln(2048 / (2π r)) / (2 ln 10000)
    //   dim(32) = 4·ln(10.186)/9.2103 = 1.008 → low = 1;  dim(1) = 4·ln(325.95)/9.2103 = 2.513 → high = 3
    //   ramp_i = clamp((i − 1)/2, 0, 1) = [0, 0, 0.5, 1]; extrapolation weight w = 1 − ramp = [1, 1, 0.5, 0]
    //   θ'_2 = 0.01·(0.5/4 + 0.5) = 0.00625;  θ'_3 = 0.001/4 = 0.00025
    //   attention scaling 0.1·ln 4 + 1 = 1.1386294361119891
    const r = ropeFrequencies(config({ rope_type: "yarn", factor: 4 }), 10);
    expectClose(r.invFreq, [1, 0.1, 0.00625, 0.00025]);
    expect(r.attentionScaling).toBeCloseTo(1.1386294361119891, 14);
    // an explicit attention_factor wins
    const f = ropeFrequencies(config({ rope_type: "yarn", factor: 4, attention_factor: 1.5 }), 10);
    expect(f.attentionScaling).toBe(1.5);
  });

  it('"llama3": short wavelengths kept, long ones divided by s, a smooth mix between', () => {
    // L = 1024, s = 8, α = low_freq_factor 1, β = high_freq_factor 4: bands at L/β = 256, L/α = 1024.
    // Wavelengths 2π/θ_i = [6.28, 62.8, 628.3, 6283]:
    //   i = 0, 1 below 256 → kept; i = 3 above 1024 → 0.001/8 = 0.000125;
    //   i = 2: smooth = (1024/628.3185 − 1)/3 = 0.2099155390870, θ' = 0.01·((1 − smooth)/8 + smooth)
    //          = 0.003086760967011
    const c = config({
      rope_type: "llama3",
      factor: 8,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 1024,
    });
    const r = ropeFrequencies(c, 10);
    expect(r.invFreq[0]).toBe(1);
    expect(r.invFreq[1]).toBeCloseTo(0.1, 15);
    expect(r.invFreq[2]).toBeCloseTo(0.003086760967011, 14);
    expect(r.invFreq[3]).toBeCloseTo(0.000125, 15);
    expect(r.attentionScaling).toBe(1);
  });

  it('a Llama config with "linear" factor 2: RoPE at position 2p equals plain RoPE at position p', () => {
    // θ_i/2 in float32 is exactly fround(θ_i)/2, and 2p·(θ_i/2) = p·θ_i exactly, so even the
    // float32 angles agree: the outputs must be identical, not merely close.
    const scaled = ropeFrequencies(config({ rope_type: "linear", factor: 2 }), 200);
    const plain = ropeFrequencies(config(null), 200);
    const heads = 2;
    const d = 8;
    const x = Float32Array.from(
      { length: heads * d },
      (
        (r) => () =>
          r.normal(0, 1)
      )(new Rng(3)),
    );
    for (const p of [1, 7, 50, 99]) {
      const a = new Float32Array(heads * d);
      const b = new Float32Array(heads * d);
      ropeForward(a, x, 1, 1, heads, d, { p0: 2 * p, invFreq: scaled.invFreq });
      ropeForward(b, x, 1, 1, heads, d, { p0: p, invFreq: plain.invFreq });
      expect(Array.from(a)).toEqual(Array.from(b));
      // and it is a real rotation, not the identity
      expect(Array.from(a)).not.toEqual(Array.from(x));
    }
  });
});
