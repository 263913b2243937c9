import { describe, expect, it } from "vitest";
import { targetModel } from "@llm-labs/lab-lora/test-util";
import { biasMask, bitfitPeft, flatOffset, fullPeft } from "../src/bitfit.ts";
import { expectGradsMatch, tinyModel } from "./util.ts";

describe("exercise: bitfit-mask", () => {
  // Per block: c_attn 3C + attn.c_proj C + c_fc 4C + mlp.c_proj C + ln_1 C + ln_2 C = 11C, and ln_f's C.
  //   tiny model, C = 8, L = 2:      11·8·2 + 8     = 184
  //   target,     C = 128, L = 4:    11·128·4 + 128 = 5,760   (of 940,800: 0.612 %)
  it("counts 11·C·L + C biases", () => {
    const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
    expect(count(biasMask(tinyModel(1)))).toBe(184);
    const target = targetModel();
    expect(count(biasMask(target))).toBe(5760);
    expect(target.params.flat.length).toBe(940_800);
  });

  it("marks every bias and β and no weight or γ", () => {
    const m = tinyModel(1);
    const mask = biasMask(m);
    const all = (t: Float32Array | Float64Array, v: number) => {
      const o = flatOffset(m, t);
      for (let i = 0; i < t.length; i++) if (mask[o + i] !== v) return false;
      return true;
    };
    for (const b of m.params.h) {
      for (const name of ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] as const) {
        expect(all(b[name].bias, 1), `${name}.bias`).toBe(true);
        expect(all(b[name].weight, 0), `${name}.weight`).toBe(true);
      }
      expect(all(b.ln_1.bias, 1) && all(b.ln_2.bias, 1)).toBe(true);
      expect(all(b.ln_1.weight, 0) && all(b.ln_2.weight, 0)).toBe(true);
    }
    expect(all(m.params.ln_f.bias, 1) && all(m.params.wte, 0) && all(m.params.wpe, 0)).toBe(true);
  });

  it("BitFit's gradient is the model's bias gradient (against finite differences)", () => {
    const m = tinyModel(2);
    expect(expectGradsMatch(m, bitfitPeft(m), 2, 4, 40)).toBeGreaterThan(1e-3);
  });
});

describe("full fine-tuning", () => {
  it("is the mask with every bit set: its gradient is every parameter's", () => {
    const m = tinyModel(3);
    const full = fullPeft(m);
    expect(full.params.length).toBe(m.params.flat.length);
    expectGradsMatch(m, full, 2, 4, 30);
  });
});
