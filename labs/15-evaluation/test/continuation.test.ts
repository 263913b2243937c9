import { join } from "node:path";
import { checkpointDir, loadSpecimen, OrtGPT } from "@llm-labs/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBenchmark, options } from "../src/benchmark.ts";
import { continuationLoglikelihood } from "../src/continuation.ts";
import { encodePair, SpecimenLM, specimenTokenizer, type Tokenizer } from "../src/lm.ts";
import { ortContinuationLogProb } from "../src/ort-reference.ts";

// Three tokens over a vocabulary of 3, worked by hand:
//   row 0 = [0, 0, 0]       softmax = (1/3, 1/3, 1/3): log p(2) = −ln 3, argmax 0 (ties: first)
//   row 1 = [0, ln 2, 0]    softmax = (1/4, 2/4, 1/4): log p(1) = −ln 2, argmax 1
//   row 2 = garbage         predicts what would follow the last token: never read
const V = 3;
const hand = Float32Array.from([0, 0, 0, 0, Math.LN2, 0, 100, -100, 7]);

describe("exercise: continuation-loglik", () => {
  it("sums the continuation's log-probabilities from the row before each token (hand calculation)", () => {
    // context [0], continuation [2, 1]: −ln 3 − ln 2 = −ln 6; token 2 is not row 0's argmax
    const a = continuationLoglikelihood(hand, [0, 2, 1], 1, V);
    expect(a.logprob).toBeCloseTo(-Math.log(6), 6);
    expect(a.isGreedy).toBe(false);
    expect(a.tokens).toBe(2);
    // context [0, 2], continuation [1]: −ln 2, and greedy would have written it
    const b = continuationLoglikelihood(hand, [0, 2, 1], 2, V);
    expect(b.logprob).toBeCloseTo(-Math.LN2, 6);
    expect(b.isGreedy).toBe(true);
    expect(b.tokens).toBe(1);
  });

  describe("on the target's ONNX Runtime logits, against an ORT graph (LogSoftmax, GatherElements, ReduceSum)", () => {
    let ort: OrtGPT;
    let tok: Tokenizer;
    beforeAll(async () => {
      const dir = checkpointDir("target");
      ort = await OrtGPT.load(loadSpecimen(dir).config, join(dir, "onnx", "model.onnx"));
      tok = await specimenTokenizer();
    });
    afterAll(() => ort?.release());

    it("gives ORT's log-likelihood for every option of three questions", async () => {
      const Vt = ort.config.vocab_size;
      for (const item of makeBenchmark("train-like", "test", 1).slice(0, 3)) {
        for (const o of options(item)) {
          const { tokens, contextLength } = encodePair(tok, item.question, item.lang === "en" ? ` ${o}` : o);
          const { logits } = await ort.step(tokens, 1, ort.emptyCache(1));
          const targets = tokens.map((_, t) =>
            t >= contextLength - 1 && t < tokens.length - 1 ? tokens[t + 1] : -1,
          );
          const expected = await ortContinuationLogProb(logits, targets, Vt);
          const ours = continuationLoglikelihood(logits, tokens, contextLength, Vt);
          expect(Math.abs(ours.logprob - expected), `${item.id} ${o}`).toBeLessThan(1e-4);
        }
      }
    });
  });
});

describe("the specimen's forward pass beside ONNX Runtime's", () => {
  it("logitsMany (a shared prefix run once) equals one forward per row, and ORT", async () => {
    const dir = checkpointDir("target");
    const model = loadSpecimen(dir);
    const lm = new SpecimenLM("target", model);
    const tok = await specimenTokenizer();
    const item = makeBenchmark("held-out", "test", 1)[0];
    const rows = options(item).map((o) => encodePair(tok, item.question, o).tokens);
    const shared = lm.logitsMany(rows);
    const ort = await OrtGPT.load(model.config, join(dir, "onnx", "model.onnx"));
    try {
      for (let i = 0; i < rows.length; i++) {
        const plain = lm.logits(rows[i]);
        const { logits } = await ort.step(rows[i], 1, ort.emptyCache(1));
        let d = 0;
        let dOrt = 0;
        for (let j = 0; j < plain.length; j++) {
          d = Math.max(d, Math.abs(shared[i][j] - plain[j]));
          dOrt = Math.max(dOrt, Math.abs(logits[j] - plain[j]));
        }
        expect(d).toBeLessThan(1e-4);
        expect(dOrt).toBeLessThan(1e-3);
      }
    } finally {
      await ort.release();
    }
  });
});
