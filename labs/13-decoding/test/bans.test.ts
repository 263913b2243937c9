// transformers.js's processors against ours: the bans, temperature, and (for
// truncation.ts, kept here so that its exercise tests never load transformers.js)
// `topk` and the TopPLogitsWarper that cannot be called.
import {
  ForcedEOSTokenLogitsProcessor,
  MinLengthLogitsProcessor,
  MinNewTokensLengthLogitsProcessor,
  NoBadWordsLogitsProcessor,
  NoRepeatNGramLogitsProcessor,
  Tensor,
  TemperatureLogitsWarper,
  TopPLogitsWarper,
  topk,
} from "@huggingface/transformers";
import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { badWords, forcedEosAtMaxLength, minLength, minNewTokens, noRepeatNgram } from "../src/bans.ts";
import { temperature } from "../src/temperature.ts";
import { topK } from "../src/truncation.ts";

const V = 12;
const rng = new Rng(31);
const randomLogits = () => Float32Array.from({ length: V }, () => (rng.next() * 2 - 1) * 3);
const randomIds = (n: number) => Array.from({ length: n }, () => Math.floor(rng.next() * 4)); // few ids: many repeats
const tjs = (proc: unknown, x: Float32Array, ids: number[]) =>
  Float32Array.from(
    (proc as (i: bigint[][], t: Tensor) => Tensor)(
      [ids.map(BigInt)],
      new Tensor("float32", x.slice(), [1, V]),
    ).data as Float32Array,
  );

describe("the ban processors equal transformers.js's", () => {
  it("no-repeat n-gram, n = 1 … 4, on random sequences", () => {
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + (trial % 4);
      const x = randomLogits();
      const ids = randomIds(trial % 9);
      expect(noRepeatNgram(x, ids, n)).toEqual(tjs(new NoRepeatNGramLogitsProcessor(n), x, ids));
    }
  });

  it("no-repeat 2-gram by hand: after … 1 2 … 1, token 2 is banned", () => {
    const x = new Float32Array(V);
    const out = noRepeatNgram(x, [1, 2, 3, 1], 2);
    expect([...out].flatMap((v, i) => (v === -Infinity ? [i] : []))).toEqual([2]);
  });

  it("bad words, single tokens and sequences", () => {
    const banned = [[5], [1, 2], [0, 3, 1], [2, 2]];
    for (let trial = 0; trial < 40; trial++) {
      const x = randomLogits();
      const ids = randomIds(trial % 6);
      expect(badWords(x, ids, banned)).toEqual(tjs(new NoBadWordsLogitsProcessor(banned, 11), x, ids));
    }
  });

  it("min length, min new tokens and the forced end at max length", () => {
    for (let len = 1; len <= 8; len++) {
      const x = randomLogits();
      const ids = randomIds(len);
      expect(minLength(x, ids.length, 5, [11])).toEqual(tjs(new MinLengthLogitsProcessor(5, 11), x, ids));
      expect(minNewTokens(x, ids.length, 2, 3, [11])).toEqual(
        tjs(new MinNewTokensLengthLogitsProcessor(2, 3, 11), x, ids),
      );
      expect(forcedEosAtMaxLength(x, ids.length, 6, [11])).toEqual(
        tjs(new ForcedEOSTokenLogitsProcessor(6, 11), x, ids),
      );
    }
  });

  it("temperature", () => {
    const x = randomLogits();
    expect(temperature(x, 0.7)).toEqual(tjs(new TemperatureLogitsWarper(0.7), x, [1]));
    expect(() => temperature(x, 0)).toThrow(/temperature must be/);
  });
});

describe("truncation against transformers.js", () => {
  const kept = (x: Float32Array) => [...x].flatMap((v, i) => (v === -Infinity ? [] : [i]));

  it("top-k keeps transformers.js's topk indices on random logits", async () => {
    const r = new Rng(15);
    for (let trial = 0; trial < 10; trial++) {
      const x = Float32Array.from({ length: 100 }, () => (r.next() * 2 - 1) * 4);
      const [, idx] = await topk(new Tensor("float32", x.slice(), [1, 100]), 7);
      const ref = [...(idx.data as BigInt64Array)].map(Number).sort((a, b) => a - b);
      expect(kept(topK(x, 7))).toEqual(ref);
    }
  });

  it("transformers.js v4 declares TopPLogitsWarper without a _call, so there is nothing to compare against", () => {
    const w = new TopPLogitsWarper(0.9);
    const x = Float32Array.from([0.15, 0.5, 0.05, 0.3], Math.log);
    expect(() => w([[1n]], new Tensor("float32", x, [1, 4]))).toThrow(/_call/);
  });
});
