import { UserError } from "@llm-labs/kit";
import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { generate, parseSamplingConfig, pick, processLogits } from "../src/sampler.ts";

describe("the sampling config", () => {
  it("refuses bad input with one line naming the field", () => {
    expect(() => parseSamplingConfig({ top_p: 1.5 })).toThrow(UserError);
    expect(() => parseSamplingConfig({ top_p: 1.5 })).toThrow(/top_p/);
    expect(() => parseSamplingConfig({ temprature: 0.5 })).toThrow(/temprature/);
  });

  it("applies the processors in order: penalty, then temperature and top-k (hand calculation)", () => {
    // logits (2, 1, 0, −1); id 0 was seen, θ = 2 → (1, 1, 0, −1); T = 0.5 → (2, 2, 0, −2);
    // top_k = 2 keeps the two 2s.
    const c = parseSamplingConfig({ repetition_penalty: 2, temperature: 0.5, top_k: 2 });
    const x = processLogits(Float32Array.from([2, 1, 0, -1]), [0], 1, c, [3]);
    expect([...x]).toEqual([2, 2, -Infinity, -Infinity]);
  });

  it("the end is forced at the last position only when forced_eos_token_id is set", () => {
    // Prompt of 1, max_new_tokens 3: max_length = 4, the last position is length 3.
    const x = Float32Array.from([2, 1, 0, -1]);
    const plain = parseSamplingConfig({ do_sample: false, max_new_tokens: 3 });
    expect([...processLogits(x, [0, 1, 2], 1, plain, [3])]).toEqual([2, 1, 0, -1]);
    const forced = parseSamplingConfig({ do_sample: false, max_new_tokens: 3, forced_eos_token_id: 3 });
    expect([...processLogits(x, [0, 1, 2], 1, forced, [3])]).toEqual([-Infinity, -Infinity, -Infinity, 0]);
    expect([...processLogits(x, [0, 1], 1, forced, [3])]).toEqual([2, 1, 0, -1]); // not the last yet
  });

  it("generate stops at max_new_tokens, or at an end token (hand calculation)", () => {
    // Flat-but-one logits: token 2 is the argmax everywhere, eos = 0.
    const feed = () => Float32Array.from([0, 1, 2]);
    const rng = new Rng(1);
    const greedy = parseSamplingConfig({ do_sample: false, max_new_tokens: 3 });
    expect(generate(feed, [1], greedy, [0], rng)).toEqual({ ids: [2, 2, 2], stopped: "length" });
    // With the end forced at max_length − 1 = 3: two tokens, then eos (not returned).
    const forced = parseSamplingConfig({ do_sample: false, max_new_tokens: 3, forced_eos_token_id: 0 });
    expect(generate(feed, [1], forced, [0], rng)).toEqual({ ids: [2, 2], stopped: "eos" });
  });

  it("draws by the inverse CDF: u below 0.5 gives the first of two equal tokens", () => {
    // Two equal logits: p = (0.5, 0.5). Token 0 iff u < 0.5; the frequency over many draws ≈ 0.5.
    const rng = new Rng(71);
    const x = Float32Array.from([0, 0, -Infinity]);
    let zeros = 0;
    for (let i = 0; i < 2000; i++) if (pick(x, { do_sample: true }, rng) === 0) zeros++;
    expect(Math.abs(zeros / 2000 - 0.5)).toBeLessThan(0.05);
    expect(pick(Float32Array.from([0, 3, 1]), { do_sample: false }, rng)).toBe(1);
  });
});
