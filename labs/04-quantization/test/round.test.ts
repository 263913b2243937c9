import { describe, expect, it } from "vitest";
import { roundHalfEven } from "../src/round.ts";

describe("exercise: round-half-even", () => {
  it("sends ties to the even neighbour (IEEE 754 roundTiesToEven)", () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [3.5, 4],
      [-0.5, 0],
      [-1.5, -2],
      [-2.5, -2],
      [2.4999, 2],
      [2.5001, 3],
      [-2.6, -3],
      [7, 7],
    ];
    for (const [x, want] of cases)
      expect(roundHalfEven(x) === want || (want === 0 && roundHalfEven(x) === 0)).toBe(true);
  });
  it("has no bias over many ties, unlike Math.round", () => {
    let sum = 0;
    for (let i = -100; i < 100; i++) sum += roundHalfEven(i + 0.5) - (i + 0.5);
    expect(sum).toBe(0);
  });
});
