import { describe, expect, it } from "vitest";
import { c4LineReject } from "../src/c4.ts";
import { take, luhnValid } from "../src/dirty-corpus.ts";
import { ExactDedup } from "../src/exact.ts";
import { Pipeline } from "../src/pipeline.ts";
import { scrubPii } from "../src/pii.ts";
import { precision, recall, Scorer } from "../src/score.ts";

describe("the stages", () => {
  it("exact dedup sees a copy", () => {
    const d = new ExactDedup();
    expect([d.isCopy("a b"), d.isCopy("a c"), d.isCopy("a b")]).toEqual([false, false, true]);
  });
  it("C4 drops menus and cookie notices, keeps sentences", () => {
    expect(c4LineReject("Home | About | Contact")).toBe("no terminal punctuation");
    expect(c4LineReject("This website uses cookies to improve your experience.")).toBe("policy");
    expect(c4LineReject("The little cat sat by the warm fire.")).toBeNull();
  });
  it("Luhn: 4539 1488 0343 6467 is valid, changing a digit breaks it", () => {
    expect(luhnValid("4539 1488 0343 6467")).toBe(true);
    expect(luhnValid("4539 1488 0343 6468")).toBe(false);
  });
  it("scrubs an e-mail and a valid card, not an order number", () => {
    const r = scrubPii("Write to tom.li3@example.com. Card 4539 1488 0343 6467. Order 4539 1488 0343 6468.");
    expect(r.found).toEqual(["tom.li3@example.com", "4539 1488 0343 6467"]);
  });
});

describe("the corpus's truth", () => {
  // Lone sentences and repeated lines are drawn from small pools, so in a few
  // thousand documents some repeat by chance. Each repeat is a copy, and the answer
  // key must say so or exact dedup is scored wrong. Checked with a Map of whole
  // texts, no hash at all.
  it("labels every text seen before as an exact duplicate, whichever branch made it", () => {
    const first = new Map<string, number>();
    let chance = 0;
    for (const d of take(5_000, 7)) {
      if (first.has(d.text)) {
        expect(d.truth.defects, `document ${d.id} repeats document ${first.get(d.text)}`).toContain(
          "exact-dup",
        );
        if (d.truth.defects.includes("low-quality")) chance++;
      } else first.set(d.text, d.id);
    }
    expect(chance).toBeGreaterThan(0); // the case this guards exists in the sample
  });
});

describe("the pipeline on 600 documents", () => {
  it("every document stage has precision and recall above 0.8", () => {
    const p = new Pipeline();
    const s = new Scorer();
    for (const d of take(600, 3)) s.add(d.truth, p.process(d.text));
    for (const c of Object.values(s.stages)) {
      expect(precision(c)).toBeGreaterThan(0.8);
      expect(recall(c)).toBeGreaterThan(0.8);
    }
    expect(s.docs).toBe(600);
  });
});
