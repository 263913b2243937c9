import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { forward, forwardWithLinears, linearForward, type GPT } from "@llm-labs/model";
import { merge, unmerge } from "../src/merge.ts";
import { loraForward, type LoraWeights } from "../src/lora.ts";
import { adapterFromSafetensors, mergeAdapter, unmergeAdapter, type Adapter } from "../src/adapter.ts";
import { ADAPTER_FILE } from "../src/recipe.ts";
import { qaTokens, TASK_HELDOUT_SEED } from "../src/task.ts";
import { maxAbsDiff, randomArray, targetModel } from "./util.ts";

let base: GPT;
let adapter: Adapter;
let ids: number[];
beforeAll(async () => {
  base = targetModel();
  adapter = adapterFromSafetensors(base, readFileSync(ADAPTER_FILE), ADAPTER_FILE).adapter;
  ids = (await qaTokens(TASK_HELDOUT_SEED, 48)).slice(0, 48);
});

describe("exercise: merge", () => {
  it("a hand calculation: W₀ = I, s = 2, Aᵀ = [[1], [2]], Bᵀ = [[3, 4]] → W = I + 2·[[3, 4], [6, 8]] = [[7, 8], [12, 17]]", () => {
    const lora: LoraWeights = {
      IN: 2,
      OUT: 2,
      r: 1,
      alpha: 2,
      A: Float32Array.from([1, 2]),
      B: Float32Array.from([3, 4]),
    };
    const W0 = Float32Array.from([1, 0, 0, 1]);
    const W = merge(W0, lora);
    expect(Array.from(W)).toEqual([7, 8, 12, 17]);
    expect(Array.from(W0)).toEqual([1, 0, 0, 1]); // merge makes a copy
    unmerge(W, lora);
    expect(Array.from(W)).toEqual([1, 0, 0, 1]);
  });
  it("a merged layer gives the unmerged layer's output (random, r = 4, non-square)", () => {
    const N = 6;
    const IN = 20;
    const OUT = 12;
    const lora: LoraWeights = {
      IN,
      OUT,
      r: 4,
      alpha: 8,
      A: randomArray(4 * IN, 1, 0.3),
      B: randomArray(OUT * 4, 2, 0.3),
    };
    const X = randomArray(N * IN, 3);
    const W0 = randomArray(IN * OUT, 4, 0.2);
    const b = randomArray(OUT, 5);
    const unmerged = new Float32Array(N * OUT);
    const merged = new Float32Array(N * OUT);
    loraForward(unmerged, X, W0, b, lora, N);
    linearForward(merged, X, merge(W0, lora), b, N, IN, OUT);
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-5);
  });
  it("the trained adapter on the target: merged forward == unmerged forward within 1e-5 (logits)", () => {
    const T = 48;
    const merged = forward(mergeAdapter(base, adapter), ids, 1, T).logits;
    const lookup = new Map(adapter.entries.map((e) => [`${e.layer}.${e.target}`, e.lora]));
    const unmerged = forwardWithLinears(base, ids, 1, T, (l, t, X, N, _IN, OUT, w) => {
      const Y = new Float32Array(N * OUT);
      loraForward(Y, X, w.weight, w.bias, lookup.get(`${l}.${t}`)!, N);
      return Y;
    });
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-5);
    expect(maxAbsDiff(merged, forward(base, ids, 1, T).logits)).toBeGreaterThan(0.1); // the adapter does something
  });
  it("unmerge restores W₀ within 1e-6 in every linear of the target", () => {
    const m = mergeAdapter(base, adapter);
    expect(maxAbsDiff(m.params.flat, base.params.flat)).toBeGreaterThan(1e-3);
    unmergeAdapter(m, adapter);
    expect(maxAbsDiff(m.params.flat, base.params.flat)).toBeLessThan(1e-6);
  });
});
