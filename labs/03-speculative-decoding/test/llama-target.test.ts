import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrtGPT, checkpointDir, generate } from "@llm-labs/model";
import { join } from "node:path";
import { ModelDrafter } from "../src/drafters.ts";
import { TsLM } from "../src/lm.ts";
import { OrtLM } from "../src/ort-lm.ts";
import { speculativeGenerate } from "../src/speculative.ts";
import { draftModel, llamaModel, PROMPTS } from "./util.ts";

// The GPT-2 draft (2 layers × 64, 128 positions) drafting for the Llama specimen
// (4 layers, GQA 8/2, RoPE, 512 positions): another architecture, the same
// tokenizer. Greedy verification keeps a draft only when it is the target's
// argmax, so the output must be exactly the Llama's own greedy tokens. The
// reference is the specimen's `generate` (its forward, its own cache, one token
// per call), independent of this lab's loop and of lab 02's cache.
describe("the Llama as target, the GPT-2 draft drafting", () => {
  const llama = llamaModel();
  const target = new TsLM(llama);
  const drafter = new ModelDrafter(new TsLM(draftModel()));

  PROMPTS.forEach((prompt, n) => {
    it(`greedy speculative decoding (γ = 4) equals the Llama's own greedy decoding, token for token: prompt ${n}`, async () => {
      const ref = generate(llama, prompt, { maxNewTokens: 60 });
      const { tokens, stats } = await speculativeGenerate(target, drafter, prompt, {
        maxNewTokens: 60,
        gamma: 4,
        temperature: 0,
      });
      expect(tokens).toEqual(ref);
      expect(stats.accepted).toBeGreaterThan(0); // the draft's guesses were used
      expect(stats.accepted).toBeLessThan(stats.drafted); // and some rejected: both caches rolled back
    });
  });

  it("past the draft's 128 positions the draft proposes nothing and the Llama goes on alone: 200 tokens, still identical", async () => {
    const prompt = PROMPTS[0]; // 47 tokens + 200 = 247 > 128
    const ref = generate(llama, prompt, { maxNewTokens: 200, stopAtEos: false });
    const { tokens, stats } = await speculativeGenerate(target, drafter, prompt, {
      maxNewTokens: 200,
      gamma: 3,
      temperature: 0,
      stopAtEos: false,
    });
    expect(tokens).toEqual(ref);
    // from position 128 on, every step is one target call emitting one token
    expect(stats.steps).toBeGreaterThanOrEqual(247 - 128);
  });

  describe("in ONNX Runtime", () => {
    let ortLlama: OrtLM;
    let ortDraft: OrtLM;
    let reference: OrtGPT;
    beforeAll(async () => {
      ortLlama = await OrtLM.named("llama");
      ortDraft = await OrtLM.named("draft");
      reference = await OrtGPT.load(ortLlama.config, join(checkpointDir("llama"), "onnx", "model.onnx"));
    });
    afterAll(async () => {
      await Promise.all([ortLlama.release(), ortDraft.release(), reference.release()]);
    });
    it("OrtLM loads the Llama's export (2 KV heads in its past) and speculative greedy equals its target-only greedy", async () => {
      expect(ortLlama.config.model_type).toBe("llama");
      const ref = await reference.generateGreedy(PROMPTS[2], 60);
      const { tokens, stats } = await speculativeGenerate(ortLlama, new ModelDrafter(ortDraft), PROMPTS[2], {
        maxNewTokens: 60,
        gamma: 4,
        temperature: 0,
      });
      expect(tokens).toEqual(ref);
      expect(stats.accepted).toBeLessThan(stats.drafted); // the ORT past was cut
    });
  });
});
