import { describe, expect, it } from "vitest";
import { forwardPass } from "@llm-labs/model";
import { maxAbsDiff } from "@llm-labs/tensor";
import { effectiveModel } from "../src/evaluate.ts";
import { promptTuningPeft, softPromptForward, withVirtualTokens } from "../src/prompt-tuning.ts";
import { expectGradsMatch, tinyModel } from "./util.ts";

describe("exercise: soft-prompt", () => {
  // C = 2, P = 1 virtual token, B = 2 sequences of T' = 3 rows (the virtual one and two real ones).
  //   prompt = [10, 20], wpe[0] = [0.5, −0.5]
  //   rows 0 and 3 (position 0 of each sequence) become prompt + wpe[0] = [10.5, 19.5];
  //   the real rows (1, 2, 4, 5) keep what the lookup put there.
  it("puts prompt + wpe[p] into the first P rows of every sequence", () => {
    const x = Float64Array.from({ length: 12 }, (_, i) => i);
    const wpe = Float64Array.from([0.5, -0.5, 7, 7, 7, 7]);
    softPromptForward(x, Float64Array.from([10, 20]), wpe, 2, 3, 1, 2);
    expect(Array.from(x)).toEqual([10.5, 19.5, 2, 3, 4, 5, 10.5, 19.5, 8, 9, 10, 11]);
  });

  it("with a prompt equal to real tokens' embeddings, it is those tokens in front", () => {
    // the independent check: a soft prompt that happens to be wte[5], wte[7] must give the
    // logits the plain model gives for [5, 7, …tokens]
    const m = tinyModel(4);
    const C = m.config.n_embd;
    const prompt = new Float64Array(2 * C);
    prompt.set(m.params.wte.subarray(5 * C, 6 * C), 0);
    prompt.set(m.params.wte.subarray(7 * C, 8 * C), C);
    const peft = promptTuningPeft(m, 2, 1, prompt);
    const x = Int32Array.from([3, 1, 4]);
    const batch = withVirtualTokens(x, x, 1, 3, 2);
    const hooks = peft.hooks?.(1, batch.T);
    const soft = forwardPass(effectiveModel(m, peft), batch.x, 1, batch.T, hooks?.forward);
    const plain = forwardPass(m, [5, 7, 3, 1, 4], 1, 5);
    expect(maxAbsDiff(soft, plain)).toBeLessThan(1e-12);
  });

  it("∂L/∂prompt against finite differences", () => {
    const m = tinyModel(5);
    expect(expectGradsMatch(m, promptTuningPeft(m, 3, 2), 2, 4, 24)).toBeGreaterThan(1e-4);
  });
});

describe("the virtual tokens", () => {
  it("sit in front of every sequence with no target", () => {
    const v = withVirtualTokens(Int32Array.from([1, 2, 3, 4]), Int32Array.from([2, 3, 4, 5]), 2, 2, 1);
    expect(v.T).toBe(3);
    expect(Array.from(v.x)).toEqual([0, 1, 2, 0, 3, 4]);
    expect(Array.from(v.y)).toEqual([-1, 2, 3, -1, 4, 5]);
  });

  it("refuses more virtual tokens than the model has positions", () => {
    expect(() => promptTuningPeft(tinyModel(1), 8)).toThrow(/whole number in \[1, 7\]/);
  });
});
