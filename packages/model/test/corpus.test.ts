import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { END_OF_TEXT, generateCorpus, HELDOUT_SEED, story, TRAIN_SEED } from "../src/corpus.ts";

describe("the generated bilingual corpus", () => {
  it("is reproducible from its seed, and the held-out split differs from train", () => {
    expect(generateCorpus(TRAIN_SEED, 20_000)).toBe(generateCorpus(TRAIN_SEED, 20_000));
    const train = new Set(generateCorpus(TRAIN_SEED, 200_000).split(END_OF_TEXT));
    const held = generateCorpus(HELDOUT_SEED, 50_000).split(END_OF_TEXT);
    const shared = held.filter((s) => train.has(s)).length;
    expect(shared / held.length).toBeLessThan(0.05); // nearly every held-out story is new
  });

  it("tells each story in English, then in Chinese, with the same name in both", () => {
    const s = story(new Rng(9));
    const [en, zh] = s.split("\n");
    expect(en).toMatch(/^[\x20-\x7e]+$/); // English: printable ASCII only
    expect(zh).toMatch(/[\u4e00-\u9fff]/); // Chinese: CJK ideographs
    expect(zh).not.toMatch(/[A-Za-z]/);
  });

  it("reaches the requested size", () => {
    const text = generateCorpus(TRAIN_SEED, 100_000);
    expect(text.length).toBeGreaterThanOrEqual(100_000);
    expect(text.split(END_OF_TEXT).length).toBeGreaterThan(100);
  });
});
