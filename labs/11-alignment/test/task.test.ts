import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { judgeReward, judgeWins, request, sentenceCount, sentences, sftExample } from "../src/task.ts";

describe("the judge", () => {
  it("counts sentences by their ends, a closing quote kept with its sentence", () => {
    expect(sentences('Mia smiled. The friend said, "Thank you!" The end.')).toEqual([
      "Mia smiled.",
      'The friend said, "Thank you!"',
      "The end.",
    ]);
    expect(sentenceCount("no end")).toBe(0);
    // the hack a policy can find: three sentence ends are three sentences to this judge
    expect(sentenceCount(". . .")).toBe(3);
  });

  it("rewards −|count − n| and prefers the closer answer", () => {
    expect(judgeReward(2, "A. B.")).toBe(0);
    expect(judgeReward(2, "A. B. C. D.")).toBe(-2);
    expect(judgeWins(1, "A.", "A. B.")).toBe(1);
    expect(judgeWins(3, "A.", "A. B.")).toBe(0);
    expect(judgeWins(2, "A.", "A. B. C.")).toBe(0.5);
  });

  it("SFT examples answer with exactly the requested number of corpus sentences", () => {
    const rng = new Rng(4);
    for (let i = 0; i < 50; i++) {
      const { n, messages } = sftExample(rng);
      expect(messages[0].content).toBe(request(n));
      expect(sentenceCount(messages[1].content)).toBe(n);
    }
  });
});
