import { RepetitionPenaltyLogitsProcessor, Tensor } from "@huggingface/transformers";
import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { frequencyPresencePenalty, repetitionPenalty } from "../src/penalties.ts";

const tjs = (proc: (ids: bigint[][], t: Tensor) => Tensor, x: Float32Array, ids: number[]) =>
  Float32Array.from(
    proc([ids.map(BigInt)], new Tensor("float32", x.slice(), [1, x.length])).data as Float32Array,
  );

describe("exercise: repetition-penalty", () => {
  it("divides positive logits and multiplies negative ones, once per token (hand calculation)", () => {
    // ids 0, 1, 1 occur; θ = 2: 2 → 1, −1 → −2 (once, though it occurs twice); 0.5 and −3 untouched.
    const x = Float32Array.from([2, -1, 0.5, -3]);
    expect([...repetitionPenalty(x, [0, 1, 1], 2)]).toEqual([1, -2, 0.5, -3]);
    // θ < 1 rewards: 2 / 0.5 = 4, −1 · 0.5 = −0.5.
    expect([...repetitionPenalty(x, [0, 1], 0.5)]).toEqual([4, -0.5, 0.5, -3]);
    expect([...x]).toEqual([2, -1, 0.5, -3]); // the input is not changed
  });

  it("equals transformers.js's RepetitionPenaltyLogitsProcessor on random logits", () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 20; trial++) {
      const x = Float32Array.from({ length: 80 }, () => (rng.next() * 2 - 1) * 5);
      const ids = Array.from({ length: 30 }, () => Math.floor(rng.next() * 80));
      const theta = 0.5 + 2 * rng.next();
      expect(repetitionPenalty(x, ids, theta)).toEqual(
        tjs(new RepetitionPenaltyLogitsProcessor(theta), x, ids),
      );
    }
  });
});

describe("frequency and presence penalties", () => {
  it("subtract α_freq per occurrence and α_presence once (hand calculation)", () => {
    // id 0 twice, id 2 once; α_freq = 0.5, α_presence = 1:
    // 3 − 2·0.5 − 1 = 1;  id 1 untouched;  0 − 0.5 − 1 = −1.5
    const x = Float32Array.from([3, 1, 0]);
    expect([...frequencyPresencePenalty(x, [0, 2, 0], 0.5, 1)]).toEqual([1, 1, -1.5]);
  });
});
