import { describe, expect, it } from "vitest";
import { geluTanh, matmul, tensor } from "@llm-labs/tensor";
import { calibrationInputs } from "../src/calibration.ts";
import { forward } from "../src/gpt.ts";
import { maxAbsDiff, randomModel, tinyConfig } from "./helpers.ts";

const model = randomModel(tinyConfig, 5, 0.2);
const W = tinyConfig.n_positions;
const C = tinyConfig.n_embd;
const tokens = Array.from({ length: 2 * W + 7 }, (_, i) => (i * 13 + 1) % tinyConfig.vocab_size);

describe("calibrationInputs", () => {
  const inputs = calibrationInputs(model, tokens);
  it("one [T, K] per linear, T = whole windows of n_positions (the 7 tokens left over are dropped)", () => {
    expect([...inputs.keys()]).toEqual(
      Array.from({ length: tinyConfig.n_layer }, (_, l) =>
        ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"].map((n) => `${l}.${n}`),
      ).flat(),
    );
    for (const [key, v] of inputs) {
      expect(v.T, key).toBe(2 * W);
      expect(v.K, key).toBe(key.endsWith("mlp_c_proj") ? 4 * C : C);
      expect(v.x.length).toBe(v.T * v.K);
    }
  });
  it("window w is what forward keeps for that window: ln_1(x), the heads, ln_2(x), GELU(c_fc)", () => {
    for (let w = 0; w < 2; w++) {
      const acts = forward(model, tokens.slice(w * W, (w + 1) * W), 1, W);
      acts.layers.forEach((a, l) => {
        const at = (key: string, K: number) =>
          inputs.get(`${l}.${key}`)?.x.subarray(w * W * K, (w + 1) * W * K);
        expect(Array.from(at("c_attn", C) ?? [])).toEqual(Array.from(a.ln1));
        expect(Array.from(at("attn_c_proj", C) ?? [])).toEqual(Array.from(a.atty));
        expect(Array.from(at("c_fc", C) ?? [])).toEqual(Array.from(a.ln2));
        expect(Array.from(at("mlp_c_proj", 4 * C) ?? [])).toEqual(Array.from(a.fchGelu));
      });
    }
  });
  it("mlp_c_proj's input is GELU(x·W + b) of c_fc's input (tensor's ops, a different code path)", () => {
    const fc = inputs.get("1.c_fc");
    const proj = inputs.get("1.mlp_c_proj");
    const lin = model.params.h[1].c_fc;
    if (!fc || !proj) throw new Error("missing layer 1");
    const y = matmul(tensor(fc.x, [fc.T, C]), tensor(Float32Array.from(lin.weight), [C, 4 * C]));
    for (let t = 0; t < fc.T; t++) for (let n = 0; n < 4 * C; n++) y.data[t * 4 * C + n] += lin.bias[n];
    expect(maxAbsDiff(geluTanh(y).data, proj.x)).toBeLessThan(1e-5);
  });
  it("fewer tokens than one window is an error", () => {
    expect(() => calibrationInputs(model, tokens.slice(0, W - 1))).toThrow(/at least 32 tokens, got 31/);
  });
});
