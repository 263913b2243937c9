import { describe, expect, it } from "vitest";
import { forwardPass } from "@llm-labs/model";
import { maxAbsDiff } from "@llm-labs/tensor";
import {
  prefixCache,
  prefixFromTokens,
  prefixMlpForward,
  prefixMlpView,
  prefixTuningPeft,
  pTuningV2Peft,
} from "../src/prefix.ts";
import { expectGradsMatch, tinyModel } from "./util.ts";

describe("exercise: prefix-kv", () => {
  it("P-tuning v2: ∂L/∂prefix against finite differences (keys and values, every layer)", () => {
    const m = tinyModel(6);
    const peft = pTuningV2Peft(m, 2, 3);
    // θ is [L, 2, P, C] = [2, 2, 2, 8]: 64 numbers, every one checked
    expect(peft.params.length).toBe(64);
    expect(expectGradsMatch(m, peft, 2, 3, 64)).toBeGreaterThan(1e-3);
  });

  it("prefix tuning: the gradient through the reparameterisation MLP against finite differences", () => {
    const m = tinyModel(7);
    expect(expectGradsMatch(m, prefixTuningPeft(m, 2, 3, 4), 2, 3, 60)).toBeGreaterThan(1e-4);
  });
});

describe("a prefix is a KV cache", () => {
  it("the keys and values the model computed for some tokens, as a prefix, continue those tokens", () => {
    // independent of every line of prefix.ts's backward: run [a, b, c, d, e] at once, or
    // [a, b] into a prefix and then [c, d, e] after it — the last three rows must agree
    const m = tinyModel(8);
    const whole = forwardPass(m, [2, 9, 4, 1, 6], 1, 5);
    const prefix = prefixFromTokens(m, [2, 9]);
    const after = forwardPass(m, [4, 1, 6], 1, 3, { cache: prefixCache(m, prefix, 2, 1, 3) });
    const V = m.config.vocab_size;
    expect(maxAbsDiff(after, whole.subarray(2 * V))).toBeLessThan(1e-12);
  });

  it("every sequence of a batch gets the same prefix", () => {
    const m = tinyModel(9);
    const prefix = prefixFromTokens(m, [3, 3, 5]);
    const two = forwardPass(m, [1, 2, 7, 8], 2, 2, { cache: prefixCache(m, prefix, 3, 2, 2) });
    const one = forwardPass(m, [7, 8], 1, 2, { cache: prefixCache(m, prefix, 3, 1, 2) });
    expect(maxAbsDiff(two.subarray(2 * m.config.vocab_size), one)).toBeLessThan(1e-12);
  });

  it("a prefix of the wrong size is refused with both sizes", () => {
    const m = tinyModel(1);
    expect(() => prefixCache(m, new Float64Array(63), 2, 1, 3)).toThrow(
      "expected [2, 2, 2, 8] = 64 numbers, got 63",
    );
  });

  it("the MLP's output lands at prefix[l, kv, p, c] from column (2l + kv)·C + c", () => {
    // W₂ = 0 and b₂[col] = col: prefix[l, kv, p, c] must be (2l + kv)·C + c for every p
    const m = tinyModel(1);
    const P = 2;
    const peft = prefixTuningPeft(m, P, 3);
    const v = prefixMlpView(m, peft.params, P, 3);
    v.W2.fill(0);
    v.b2.forEach((_, i) => {
      v.b2[i] = i;
    });
    const { prefix } = prefixMlpForward(m, v);
    const C = m.config.n_embd;
    // layer 1's values (kv = 1), position 1, column 5: (2·1 + 1)·8 + 5 = 29
    expect(prefix[((2 * 1 + 1) * P + 1) * C + 5]).toBe(29);
    // layer 0's keys, position 0, column 0: 0
    expect(prefix[0]).toBe(0);
  });
});
