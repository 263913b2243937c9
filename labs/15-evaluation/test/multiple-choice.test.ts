import { describe, expect, it } from "vitest";
import { charLength, scoreChoices } from "../src/multiple-choice.ts";

describe("exercise: acc-norm", () => {
  it("acc takes the largest log-likelihood, acc_norm the largest per character (hand calculation)", () => {
    // ℓ = (−3, −4, −9) for 猫 (1 character), 兔子 (2), Xiao Ming (9):
    // argmax ℓ = 0; ℓ / len = (−3, −2, −1), argmax = 2 = gold.
    const s = scoreChoices([-3, -4, -9], ["猫", "兔子", "Xiao Ming"], 2);
    expect(s).toEqual({ pred: 0, predNorm: 2, acc: 0, accNorm: 1 });
    // the same with gold 0: acc right, acc_norm wrong
    expect(scoreChoices([-3, -4, -9], ["猫", "兔子", "Xiao Ming"], 0)).toEqual({
      pred: 0,
      predNorm: 2,
      acc: 1,
      accNorm: 0,
    });
  });

  it("ties go to the first option, as numpy's argmax does", () => {
    expect(scoreChoices([-2, -2, -5, -2], ["a", "b", "c", "d"], 1)).toEqual({
      pred: 0,
      predNorm: 0,
      acc: 0,
      accNorm: 0,
    });
    expect(scoreChoices([-5, -2, -2, -2], ["a", "b", "c", "d"], 1).acc).toBe(1);
  });

  it("divides by code points (Python's len), not UTF-16 units or bytes", () => {
    // "𠀀" (U+20000) is 1 code point, 2 UTF-16 units, 4 bytes; "ab" is 2 of each.
    // per code point: −1.5 / 1 = −1.5 < −2.5 / 2 = −1.25, so option 1 wins;
    // per UTF-16 unit it would be −0.75 > −1.25 and option 0 would win.
    expect(charLength("𠀀")).toBe(1);
    expect(scoreChoices([-1.5, -2.5], ["𠀀", "ab"], 1)).toEqual({ pred: 0, predNorm: 1, acc: 0, accNorm: 1 });
  });
});
