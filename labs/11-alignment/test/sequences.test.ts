import { describe, expect, it } from "vitest";
import { packBatch, unmaskedTargets } from "../src/sequences.ts";

describe("exercise: masked-sft-loss", () => {
  // Two rows, padded with 0 to T = 5:
  //   row 0: prompt [7, 8], completion [9, 4, 5]    ids 7 8 9 4 5
  //     position t predicts ids[t + 1]; the completion starts at index 2, so positions 1 … 3 count:
  //     targets  −1  9  4  5  −1      (position 0 would predict 8, a prompt token; position 4 has no next)
  //   row 1: prompt [3], completion [6]              ids 3 6 0 0 0
  //     targets   6 −1 −1 −1 −1       (only position 0, predicting 6; the padding predicts nothing)
  it("marks the completion's tokens only: no prompt, no padding", () => {
    const b = packBatch(
      [
        { prompt: [7, 8], completion: [9, 4, 5] },
        { prompt: [3], completion: [6] },
      ],
      0,
    );
    expect(b.T).toBe(5);
    expect(Array.from(b.ids)).toEqual([7, 8, 9, 4, 5, 3, 6, 0, 0, 0]);
    expect(Array.from(b.targets)).toEqual([-1, 9, 4, 5, -1, 6, -1, -1, -1, -1]);
    expect(Array.from(b.promptLength)).toEqual([2, 1]);
    expect(Array.from(b.length)).toEqual([5, 2]);
  });

  it("a longer padding or another pad id changes no target", () => {
    const rows = [
      { prompt: [1, 2, 3], completion: [4] },
      { prompt: [5], completion: [6, 7, 8, 9, 10] },
    ];
    const a = packBatch(rows, 0);
    const b = packBatch(rows, 1023);
    expect(Array.from(a.targets)).toEqual(Array.from(b.targets));
    // row 0: only position 2 (predicting 4); row 1: positions 0 … 4 (predicting 6 … 10)
    expect(Array.from(a.targets)).toEqual([-1, -1, 4, -1, -1, -1, 6, 7, 8, 9, 10, -1]);
  });
});

describe("the unmasked comparison", () => {
  it("predicts every real next token, prompt included, and never the padding", () => {
    const b = packBatch(
      [
        { prompt: [7, 8], completion: [9] },
        { prompt: [3], completion: [6, 2] },
      ],
      0,
    );
    expect(Array.from(unmaskedTargets(b))).toEqual([8, 9, -1, 6, 2, -1]);
  });
});
