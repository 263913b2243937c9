// transformers.js's `topk` and its TopPLogitsWarper are compared in bans.test.ts,
// so that the verifier's runs of top-p and min-p never load transformers.js.
import { probsAfterFilters, Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { minP, topK, topP, typicalP } from "../src/truncation.ts";

// Probabilities 0.5, 0.3, 0.15, 0.05 as logits (log p), shuffled so that the order
// of the ids is not the order of the probabilities.
const P = [0.15, 0.5, 0.05, 0.3];
const logits = Float32Array.from(P, Math.log);
const kept = (x: Float32Array) => [...x].flatMap((v, i) => (v === -Infinity ? [] : [i]));
const randomLogits = (rng: Rng, V: number) =>
  Float32Array.from({ length: V }, () => (rng.next() * 2 - 1) * 4);

describe("exercise: top-p", () => {
  it("keeps the smallest most-likely set reaching p (hand calculation)", () => {
    // ascending 0.05, 0.15, 0.3, 0.5; running mass 0.05, 0.20, 0.50, 1.
    // p = 0.75 drops running mass ≤ 0.25: 0.05 and 0.15 go, 0.3 + 0.5 = 0.8 ≥ 0.75 stays.
    expect(kept(topP(logits, 0.75))).toEqual([1, 3]);
    // p = 0.9 drops ≤ 0.1: only 0.05 (id 2).
    expect(kept(topP(logits, 0.9))).toEqual([0, 1, 3]);
    // p = 0.4 drops ≤ 0.6: everything but 0.5.
    expect(kept(topP(logits, 0.4))).toEqual([1]);
  });

  it("never drops the minTokensToKeep most likely, and fills with filterValue", () => {
    // p = 0.1 would keep only 0.5; three must stay, so only 0.05 goes.
    expect(kept(topP(logits, 0.1, { minTokensToKeep: 3 }))).toEqual([0, 1, 3]);
    const x = topP(logits, 0.4, { filterValue: -1000 });
    expect([...x].filter((v) => v === -1000)).toHaveLength(3);
    expect(x[1]).toBe(logits[1]);
  });

  it("keeps the same set as packages/tensor's nucleus on random logits", () => {
    // An independent implementation: it walks from the most likely token and stops
    // once the mass reaches p; HF's ascending rule must keep the same tokens.
    const rng = new Rng(13);
    for (let trial = 0; trial < 50; trial++) {
      const x = randomLogits(rng, 64);
      const p = 0.05 + 0.9 * rng.next();
      const ref = [...probsAfterFilters(x, { topP: p })].flatMap((q, i) => (q > 0 ? [i] : []));
      expect(kept(topP(x, p))).toEqual(ref);
    }
  });

  it("cuts between tied tokens from the ascending side (hand calculation)", () => {
    // Four equal logits: p = 0.25 each, ascending order ids 0, 1, 2, 3 (ties: lower id
    // first). p = 0.5 drops running mass ≤ 0.5: ids 0 (0.25) and 1 (0.5); keeps 2, 3.
    // p = 0.6 drops ≤ 0.4: id 0 only. (A walk down from the top that stops once the
    // mass reaches p would keep ids 0, 1 and 0, 1, 2: the same counts, other tokens.)
    const flat = new Float32Array(4);
    expect(kept(topP(flat, 0.5))).toEqual([2, 3]);
    expect(kept(topP(flat, 0.6))).toEqual([1, 2, 3]);
  });

  it("p = 1 keeps everything", () => {
    expect(kept(topP(logits, 1))).toEqual([0, 1, 2, 3]);
  });
});

describe("exercise: min-p", () => {
  it("keeps tokens at least p_base times as likely as the top one (hand calculation)", () => {
    // top = 0.5. p_base = 0.25 → threshold 0.125: 0.5, 0.3, 0.15 stay, 0.05 goes.
    expect(kept(minP(logits, 0.25))).toEqual([0, 1, 3]);
    // p_base = 0.5 → threshold 0.25: 0.5 and 0.3 stay.
    expect(kept(minP(logits, 0.5))).toEqual([1, 3]);
    // p_base = 0.9 → 0.45: only the top.
    expect(kept(minP(logits, 0.9))).toEqual([1]);
  });

  it("keeps minTokensToKeep and scales with confidence", () => {
    expect(kept(minP(logits, 0.9, { minTokensToKeep: 2 }))).toEqual([1, 3]);
    // A flat distribution keeps everything at p_base = 0.9: every p_i equals the top.
    expect(kept(minP(new Float32Array(8), 0.9))).toHaveLength(8);
  });

  it("matches the formula p_i ≥ p_base·max p on random logits", () => {
    const rng = new Rng(14);
    for (let trial = 0; trial < 20; trial++) {
      const x = randomLogits(rng, 50);
      const m = Math.max(...x);
      // p_i / p_max = exp(x_i − x_max): the softmax's denominator cancels.
      const ref = [...x].flatMap((v, i) => (Math.exp(v - m) >= 0.2 ? [i] : []));
      expect(kept(minP(x, 0.2))).toEqual(ref);
    }
  });
});

describe("top-k and typical-p", () => {
  it("top-k keeps every token tied with the k-th largest (transformers' rule)", () => {
    const x = Float32Array.from([1, 3, 3, 2]);
    expect(kept(topK(x, 1))).toEqual([1, 2]); // the 1st largest is 3, and both 3s are ≥ it
    expect(kept(topK(x, 3))).toEqual([1, 2, 3]);
    expect(kept(topK(x, 10))).toEqual([0, 1, 2, 3]);
    expect(kept(topK(x, 1, { minTokensToKeep: 4 }))).toEqual([0, 1, 2, 3]);
  });

  it("typical-p keeps the tokens whose surprisal is nearest the entropy (hand calculation)", () => {
    // H = −Σ p ln p = 0.3466 + 0.3612 + 0.2846 + 0.1498 = 1.1421.
    // |−ln p − H|: 0.5 → 0.4490, 0.3 → 0.0619, 0.15 → 0.7550, 0.05 → 1.8536.
    // Order 0.3, 0.5, 0.15, 0.05; running mass 0.3, 0.8, 0.95, 1.
    // mass 0.7: one token stays below it, so the limit is the 2nd (0.449): keep 0.3 and 0.5.
    expect(kept(typicalP(logits, 0.7))).toEqual([1, 3]);
    // mass 0.9: two stay below, the limit is the 3rd: keep 0.3, 0.5, 0.15.
    expect(kept(typicalP(logits, 0.9))).toEqual([0, 1, 3]);
    // minTokensToKeep protects the most TYPICAL tokens, not the most likely: mass 0.2
    // keeps 0.3 alone (the most typical), and with two to keep, 0.3 and 0.5.
    expect(kept(typicalP(logits, 0.2))).toEqual([3]);
    expect(kept(typicalP(logits, 0.2, { minTokensToKeep: 2 }))).toEqual([1, 3]);
  });
});
