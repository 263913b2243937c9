import { describe, expect, it } from "vitest";
import { intFlag, numberFlag, parseFlags } from "../src/cli/run-script.ts";
import { UserError } from "../src/errors.ts";

describe("script flags", () => {
  it("whole numbers: parsed, or one line naming the flag", () => {
    expect(intFlag("steps", "12", { min: 1 })).toBe(12);
    expect(intFlag("steps", undefined)).toBeUndefined();
    expect(() => intFlag("steps", "twelve")).toThrow(
      new UserError('--steps must be a whole number ≥ 0, got "twelve"'),
    );
    expect(() => intFlag("steps", "0", { min: 1 })).toThrow('--steps must be a whole number ≥ 1, got "0"');
    expect(() => intFlag("steps", "1.5")).toThrow(UserError);
  });

  it("numbers in a range", () => {
    expect(numberFlag("top-p", "0.9", { min: 0, max: 1 })).toBe(0.9);
    expect(() => numberFlag("top-p", "1.5", { min: 0, max: 1 })).toThrow(
      '--top-p must be a number in [0, 1], got "1.5"',
    );
    expect(() => numberFlag("temperature", "NaN", { min: 0 })).toThrow(UserError);
  });

  it("unknown flags are a UserError with the usage", () => {
    expect(() =>
      parseFlags(["--modle", "x"], { model: { type: "string" } }, "npm run x -- --model m"),
    ).toThrow(new UserError("Unknown option '--modle'; usage: npm run x -- --model m"));
  });
});
