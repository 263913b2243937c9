import { describe, expect, it } from "vitest";
import { generate } from "@llm-labs/model";
import { lookupNgram, PromptLookupDrafter } from "../src/prompt-lookup.ts";
import { speculativeGenerate } from "../src/speculative.ts";
import { TsLM } from "../src/lm.ts";
import { PROMPTS, targetModel } from "./util.ts";

describe("exercise: ngram-lookup", () => {
  it("copies what followed the last trigram: [1 2 3 9 4 | 1 2 3] → [9 4]", () => {
    expect(lookupNgram([1, 2, 3, 9, 4, 1, 2, 3], 2)).toEqual([9, 4]);
  });
  it("prefers the most recent occurrence: [5 1 7 5 1 8 5 1] → [8 5]", () => {
    expect(lookupNgram([5, 1, 7, 5, 1, 8, 5, 1], 2, 2)).toEqual([8, 5]);
  });
  it("falls back to shorter n-grams, and proposes nothing without a match", () => {
    expect(lookupNgram([4, 6, 9, 6], 3)).toEqual([9, 6]); // no earlier [6 9 6] or [9 6]; the unigram 6 at index 1 is followed by 9 6
    expect(lookupNgram([1, 2, 3], 4)).toEqual([]);
  });
  it("greedy with prompt-lookup drafts equals target-only greedy, and accepts some drafts on a repetitive prompt", async () => {
    const target = targetModel();
    const lm = new TsLM(target);
    for (const prompt of PROMPTS) {
      const ref = generate(target, prompt, { maxNewTokens: 60 });
      const { tokens, stats } = await speculativeGenerate(lm, new PromptLookupDrafter(1024), prompt, {
        maxNewTokens: 60,
        gamma: 4,
        temperature: 0,
      });
      expect(tokens).toEqual(ref);
      expect(stats.accepted).toBeGreaterThan(0);
    }
  });
});
