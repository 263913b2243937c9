import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { forward, viewParams, type GPT } from "@llm-labs/model";
import { createAdapter, type Adapter, type Target } from "../src/adapter.ts";
import { multiLoraLogits } from "../src/multi-lora.ts";
import { maxAbsDiff, tinyConfig, tinyModel } from "./util.ts";

// Three adapters of different ranks and targets, with B random (a fresh B = 0 would make every adapter the base).
function randomAdapter(model: GPT, r: number, targets: Target[], seed: number): Adapter {
  const a = createAdapter(model, { r, alpha: 2 * r, targets }, seed);
  const rng = new Rng(seed + 100);
  for (let i = 0; i < a.flat.length; i++) a.flat[i] = rng.normal(0, 0.3);
  return a;
}
const base = tinyModel(5, "float32");
const adapters = [
  randomAdapter(base, 1, ["c_attn", "c_fc"], 1),
  randomAdapter(base, 2, ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"], 2),
  randomAdapter(base, 4, ["mlp_c_proj"], 3),
];
// The oracle, written out here rather than taken from the merge exercise (LoRA §4.1):
//   W[i, o] = W₀[i, o] + (α/r) · Σ_j A[j, i] · B[o, j]        W₀ [IN, OUT], A [r, IN], B [OUT, r]
function mergedByHand(model: GPT, a: Adapter): GPT {
  const params = viewParams(model.config, Float32Array.from(model.params.flat)).params;
  for (const { layer, target, lora } of a.entries) {
    const { IN, OUT, r, alpha, A, B } = lora;
    const W = params.h[layer][target].weight;
    for (let i = 0; i < IN; i++)
      for (let o = 0; o < OUT; o++) {
        let d = 0;
        for (let j = 0; j < r; j++) d += A[j * IN + i] * B[o * r + j];
        W[i * OUT + o] += (alpha / r) * d;
      }
  }
  return { config: model.config, params };
}
const T = 6;
const V = tinyConfig.vocab_size;
const rng = new Rng(9);
const request = () => Array.from({ length: T }, () => rng.int(V));

describe("exercise: multi-lora", () => {
  it("each request in a mixed batch gets exactly its own adapter's logits (base, three adapters, one repeated)", () => {
    const choice = [-1, 0, 1, 2, 1];
    const batch = choice.map(request);
    const out = multiLoraLogits(base, adapters, batch, choice);
    choice.forEach((c, b) => {
      const alone = forward(c < 0 ? base : mergedByHand(base, adapters[c]), batch[b], 1, T).logits;
      expect(
        maxAbsDiff(out.subarray(b * T * V, (b + 1) * T * V), alone),
        `request ${b}, adapter ${c}`,
      ).toBeLessThan(1e-5);
    });
  });
  it("the adapters really differ: the same request gives different logits under each", () => {
    const x = request();
    const batch = [x, x, x, x];
    const out = multiLoraLogits(base, adapters, batch, [-1, 0, 1, 2]);
    for (let b = 1; b < 4; b++)
      expect(maxAbsDiff(out.subarray(0, T * V), out.subarray(b * T * V, (b + 1) * T * V))).toBeGreaterThan(
        1e-3,
      );
  });
  it("a batch where nobody asks for an adapter is the base model", () => {
    const batch = [request(), request()];
    const out = multiLoraLogits(base, adapters, batch, [-1, -1]);
    expect(maxAbsDiff(out, forward(base, batch.flat(), 2, T).logits)).toBeLessThan(1e-6);
  });
});

describe("multi-LoRA bad input", () => {
  it("an adapter index that does not exist, or a choice per request missing", () => {
    expect(() => multiLoraLogits(base, adapters, [request()], [3])).toThrow(
      /request 0 asks for adapter 3; there are 3/,
    );
    expect(() => multiLoraLogits(base, adapters, [request(), request()], [0])).toThrow(
      /2 requests but 1 adapter choices/,
    );
  });
});
