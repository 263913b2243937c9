import { describe, expect, it } from "vitest";
import { createGPT, generate, makeConfig } from "@llm-labs/model";
import { ModelDrafter } from "../src/drafters.ts";
import { TsLM } from "../src/lm.ts";
import { speculativeGenerate } from "../src/speculative.ts";
import { draftModel, PROMPTS, targetModel } from "./util.ts";

// The reference is the specimen's own `generate` (its forward, its cache,
// one token at a time): an implementation independent of this lab's.
describe("exercise: cache-rollback", () => {
  const target = targetModel();
  const draft = draftModel();
  const lm = new TsLM(target);
  const drafter = new ModelDrafter(new TsLM(draft)); // reused: each run starts by rolling back to 0
  PROMPTS.forEach((prompt, n) => {
    it(`greedy speculative decoding (γ = 4) equals target-only greedy, token for token: prompt ${n}`, async () => {
      const ref = generate(target, prompt, { maxNewTokens: 60 });
      const { tokens, stats } = await speculativeGenerate(lm, drafter, prompt, {
        maxNewTokens: 60,
        gamma: 4,
        temperature: 0,
      });
      expect(tokens).toEqual(ref);
      expect(stats.accepted).toBeLessThan(stats.drafted); // some rejections happened, so rollback was exercised
    });
  });
  it("same for γ = 1 and γ = 7, to the end of the 128-token context", async () => {
    const prompt = PROMPTS[0];
    const ref = generate(target, prompt, { maxNewTokens: 200, stopAtEos: false });
    for (const gamma of [1, 7]) {
      const { tokens } = await speculativeGenerate(lm, drafter, prompt, {
        maxNewTokens: 200,
        gamma,
        temperature: 0,
        stopAtEos: false,
      });
      expect(tokens).toEqual(ref);
    }
  });
});

describe("speculative sampling with the specimen models", () => {
  const lm = new TsLM(targetModel());
  const drafter = new ModelDrafter(new TsLM(draftModel()));
  it("is reproducible from its seed, and its counts add up: emitted = accepted + one per step", async () => {
    const run = () =>
      speculativeGenerate(lm, drafter, PROMPTS[0], { maxNewTokens: 40, gamma: 3, temperature: 0.8, seed: 5 });
    const a = await run();
    const b = await run();
    expect(a.tokens).toEqual(b.tokens);
    expect(a.stats.emitted).toBe(a.stats.accepted + a.stats.steps);
    expect(a.tokens.length).toBe(40);
  });
  it("γ < 1, temperature < 0 and mismatched vocabularies are clear errors", async () => {
    await expect(speculativeGenerate(lm, drafter, PROMPTS[0], { maxNewTokens: 5, gamma: 0 })).rejects.toThrow(
      /γ \(gamma, draft tokens per step\) must be an integer ≥ 1, got 0/,
    );
    await expect(
      speculativeGenerate(lm, drafter, PROMPTS[0], { maxNewTokens: 5, gamma: 2, temperature: -1 }),
    ).rejects.toThrow(/temperature must be a finite number ≥ 0/);
    const other = createGPT(
      makeConfig({ n_layer: 1, n_head: 2, n_embd: 32, n_positions: 128, vocab_size: 512 }),
      1,
    );
    await expect(
      speculativeGenerate(lm, new ModelDrafter(new TsLM(other)), PROMPTS[0], { maxNewTokens: 5, gamma: 2 }),
    ).rejects.toThrow(/draft's vocabulary has 512 tokens, the target's 1024/);
  });
});
