import { describe, expect, it } from "vitest";
import { forward } from "../src/gpt.ts";
import { LINEAR_NAMES } from "../src/forward.ts";
import { linearParamCount, linearShape, mapLinears } from "../src/map-linears.ts";
import { paramShapes } from "../src/params.ts";
import { randomModel, tinyConfig } from "./helpers.ts";

const model = randomModel(tinyConfig, 11);
// Hugging Face's names for our linears (the shapes paramShapes writes to safetensors)
const HF = { c_attn: "attn.c_attn", attn_c_proj: "attn.c_proj", c_fc: "mlp.c_fc", mlp_c_proj: "mlp.c_proj" };

describe("linearShape and linearParamCount", () => {
  it("are the checkpoint's weight shapes [IN, OUT]", () => {
    const shapes = new Map(paramShapes(tinyConfig));
    let total = 0;
    for (const name of LINEAR_NAMES) {
      const hf = shapes.get(`transformer.h.0.${HF[name]}.weight`);
      expect(linearShape(model, name), name).toEqual(hf);
      for (let l = 0; l < tinyConfig.n_layer; l++)
        total += shapes.get(`transformer.h.${l}.${HF[name]}.weight`)?.reduce((a, b) => a * b, 1) ?? NaN;
    }
    expect(linearParamCount(model)).toBe(total);
  });
});

describe("mapLinears", () => {
  it("hands f every linear weight once, in order, with its shape and key, and leaves the model alone", () => {
    const before = Float32Array.from(model.params.flat);
    const seen: string[] = [];
    const out = mapLinears(model, (w, IN, OUT, key) => {
      seen.push(`${key} ${IN}×${OUT}`);
      expect(w.length).toBe(IN * OUT);
      return w.map((v) => -v);
    });
    const C = tinyConfig.n_embd;
    expect(seen.slice(0, 4)).toEqual([
      `0.c_attn ${C}×${3 * C}`,
      `0.attn_c_proj ${C}×${C}`,
      `0.c_fc ${C}×${4 * C}`,
      `0.mlp_c_proj ${4 * C}×${C}`,
    ]);
    expect(seen.length).toBe(4 * tinyConfig.n_layer);
    expect(Array.from(model.params.flat)).toEqual(Array.from(before));
    for (let l = 0; l < tinyConfig.n_layer; l++)
      for (const name of LINEAR_NAMES) {
        expect(Array.from(out.params.h[l][name].weight)).toEqual(
          Array.from(model.params.h[l][name].weight, (v) => -v),
        );
        expect(Array.from(out.params.h[l][name].bias)).toEqual(Array.from(model.params.h[l][name].bias));
      }
    expect(Array.from(out.params.wte)).toEqual(Array.from(model.params.wte));
  });
  it("with the identity, the copy gives the same logits", () => {
    const ids = [1, 5, 9, 2, 30];
    const same = mapLinears(model, (w) => w);
    expect(Array.from(forward(same, ids, 1, 5).logits)).toEqual(Array.from(forward(model, ids, 1, 5).logits));
  });
});
