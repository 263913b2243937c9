import { describe, expect, it } from "vitest";
import { maxAbsDiff, Rng } from "@llm-labs/tensor";
import { forwardPass } from "../src/forward.ts";
import { KVCache } from "../src/kv-cache.ts";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { createLlama } from "../src/llama-params.ts";
import { randomModel, tinyConfig, tinyLlamaJson } from "./helpers.ts";

// The two hooks a server needs (lab 12): every row at its own position, and logits for a few rows.
const gpt = randomModel(tinyConfig, 3);
const llama = createLlama(parseLlamaConfig(tinyLlamaJson), 4);
{
  const r = new Rng(5);
  for (let i = 0; i < llama.params.flat.length; i++) llama.params.flat[i] = r.normal(0, 0.2);
}
const ids = [5, 9, 2, 7, 1, 3];

describe("forward hook: positions", () => {
  it("positions p0 + t are what the loop uses without them (GPT-2 and Llama, with a cache)", () => {
    for (const m of [gpt, llama]) {
      const plain = KVCache.for(m.config, 1, 16);
      const hooked = KVCache.for(m.config, 1, 16);
      forwardPass(m, ids.slice(0, 4), 1, 4, { cache: plain });
      forwardPass(m, ids.slice(0, 4), 1, 4, { cache: hooked });
      const a = forwardPass(m, ids.slice(4), 1, 2, { cache: plain });
      const b = forwardPass(m, ids.slice(4), 1, 2, { cache: hooked, positions: Int32Array.of(4, 5) });
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it("GPT-2 adds row t's own wpe row: positions 5, 6, 7 equal a table shifted by 5", () => {
    // wpe'[t] = wpe[t + 5], so the plain forward on the shifted table sees what positions 5… see
    const shifted = structuredClone(gpt);
    const C = gpt.config.n_embd;
    shifted.params.wpe.set(gpt.params.wpe.subarray(5 * C, 8 * C), 0);
    const a = forwardPass(shifted, ids.slice(0, 3), 1, 3);
    const b = forwardPass(gpt, ids.slice(0, 3), 1, 3, { positions: Int32Array.of(5, 6, 7) });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(() => forwardPass(gpt, [1], 1, 1, { positions: Int32Array.of(gpt.config.n_positions) })).toThrow(
      /past n_positions/,
    );
  });

  it("Llama: RoPE scores see only distance, so one chunk at positions 7… equals it at 0… (to float error)", () => {
    const a = forwardPass(llama, ids, 1, 6);
    const b = forwardPass(llama, ids, 1, 6, { positions: Int32Array.from(ids, (_, t) => t + 7) });
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(0); // the angles really changed
  });

  it("refuses the wrong number of positions", () => {
    expect(() => forwardPass(llama, ids, 1, 6, { positions: Int32Array.of(0, 1) })).toThrow(/6 entries/);
  });
});

describe("forward hook: logitRows", () => {
  it("gives exactly the chosen rows of the full logits, in the order asked", () => {
    for (const m of [gpt, llama]) {
      const V = m.config.vocab_size;
      const all = forwardPass(m, ids, 2, 3);
      const some = forwardPass(m, ids, 2, 3, { logitRows: Int32Array.of(5, 2) });
      expect(some.length).toBe(2 * V);
      expect(Array.from(some.subarray(0, V))).toEqual(Array.from(all.subarray(5 * V, 6 * V)));
      expect(Array.from(some.subarray(V))).toEqual(Array.from(all.subarray(2 * V, 3 * V)));
      expect(() => forwardPass(m, ids, 2, 3, { logitRows: Int32Array.of(6) })).toThrow(/rows 0 … 5/);
    }
  });
});
