import { describe, expect, it } from "vitest";
import { checkpointDir, heldoutLoss, loadCheckpoint } from "@llm-labs/model";
import { answerLosses, ifdScore, selectByIfd } from "../src/ifd.ts";

describe("exercise: ifd-score", () => {
  it("is the ratio of the mean losses (Li et al. 2024)", () => {
    // s(A|Q) = (1 + 2 + 3)/3 = 2, s(A) = (4 + 4)/2 = 4 → 0.5
    expect(ifdScore([1, 2, 3], [4, 4])).toBeCloseTo(0.5, 12);
  });
  it("is 1 when the question does not help", () => {
    expect(ifdScore(new Float64Array([0.7, 1.3]), new Float64Array([1, 1]))).toBeCloseTo(1, 12);
  });
  it("is above 1 when the question hurts", () => {
    // (3 + 5)/2 = 4 over (1 + 2 + 3)/3 = 2
    expect(ifdScore([3, 5], [1, 2, 3])).toBeCloseTo(2, 12);
  });
});

describe("selectByIfd", () => {
  it("keeps the highest scores under 1", () => {
    expect(selectByIfd([0.2, 1.4, 0.9, 0.5, 0.95], 2)).toEqual([4, 2]);
  });
});

describe("answerLosses", () => {
  it("with no prefix, averages to the specimen's own held-out loss of [bos, ...answer]", () => {
    const model = loadCheckpoint(checkpointDir("draft"));
    const answer = [5, 17, 300, 42, 9, 600];
    const losses = answerLosses(model, [], answer);
    const mean = losses.reduce((s, x) => s + x, 0) / losses.length;
    expect(losses.length).toBe(6);
    expect(mean).toBeCloseTo(heldoutLoss(model, [model.config.bos_token_id, ...answer]), 5);
  });
  it("after a prefix, scores only the answer's tokens", () => {
    const model = loadCheckpoint(checkpointDir("draft"));
    const ids = [7, 8, 9, 10, 11];
    // the last token's loss given the four before it, as heldoutLoss of the whole, minus the first three
    const whole = heldoutLoss(model, ids) * 4;
    const head = heldoutLoss(model, ids.slice(0, 4)) * 3;
    expect(answerLosses(model, ids.slice(0, 4), [11])[0]).toBeCloseTo(whole - head, 4);
  });
});
