import { generateCorpus, TRAIN_SEED } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { gold, makeBenchmark, options, parseBenchmark, SUBJECTS } from "../src/benchmark.ts";
import { WORLD } from "../src/world.ts";

describe("the benchmark", () => {
  it("is the same for the same seed, different across splits and variants", () => {
    expect(makeBenchmark("held-out", "test", 3)).toEqual(makeBenchmark("held-out", "test", 3));
    expect(makeBenchmark("held-out", "dev", 3)).not.toEqual(makeBenchmark("held-out", "test", 3));
    expect(makeBenchmark("train-like", "test", 3)[0].question).not.toBe(
      makeBenchmark("held-out", "test", 3)[0].question,
    );
  });

  it("has four different options per question, one of them the answer the question states", () => {
    const items = [...makeBenchmark("train-like", "test", 20), ...makeBenchmark("held-out", "test", 20)];
    expect(items.length).toBe(2 * 20 * SUBJECTS.length);
    for (const item of items) {
      expect(new Set(options(item)).size).toBe(4);
      expect(parseBenchmark([item], "x")).toEqual([item]);
    }
    // the answer letters are spread over A–D, not always the same
    expect(new Set(items.map((i) => i.answer)).size).toBe(4);
    // hand check of one row of each language: the English half names the answer
    const zhItem = items.find((i) => i.subject === "animal-zh")!;
    const animal = WORLD.ANIMALS.find(([, zh]) => zh === options(zhItem)[gold(zhItem)])!;
    expect(zhItem.question).toContain(` ${animal[0]}.`);
    const enItem = items.find((i) => i.subject === "name-en")!;
    expect(enItem.question).toContain(`named ${options(enItem)[gold(enItem)]}.`);
  });

  it("asks only about facts the training text states, in both languages", () => {
    const text = generateCorpus(TRAIN_SEED, 300_000);
    for (const list of Object.values(WORLD))
      for (const [en, zh] of list) {
        expect(text, en).toContain(en);
        expect(text, zh).toContain(zh);
      }
  });

  it("refuses a bad row with one line naming it", () => {
    const item = makeBenchmark("held-out", "test", 1)[0];
    expect(() => parseBenchmark([{ ...item, answer: "E" }], "mine.json")).toThrow(/^mine\.json: 0\.answer: /);
    expect(() => parseBenchmark([], "mine.json")).toThrow(/at least one question/);
    expect(() => parseBenchmark({ rows: [] }, "mine.json")).toThrow(/^mine\.json: \(root\)/);
  });
});
