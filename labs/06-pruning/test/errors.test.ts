import { describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { calibrate, pruneModel } from "../src/pruned-model.ts";
import { targetModel } from "./util.ts";

describe("clear errors at the lab's front door", () => {
  it("an empty or too short calibration set", () => {
    const model = targetModel();
    expect(() => calibrate(model, [])).toThrow(UserError);
    expect(() => calibrate(model, [])).toThrow(/calibration set is empty/);
    expect(() => calibrate(model, [1, 2, 3])).toThrow(/3 tokens; it needs at least one window of 128/);
  });
  it("Wanda and SparseGPT without calibration, sparsity 1, N > M", () => {
    const model = targetModel();
    expect(() => pruneModel(model, "wanda", { kind: "unstructured", sparsity: 0.5 })).toThrow(
      /needs calibration data/,
    );
    expect(() => pruneModel(model, "magnitude", { kind: "unstructured", sparsity: 1 })).toThrow(/\[0, 1\)/);
    expect(() => pruneModel(model, "magnitude-global", { kind: "unstructured", sparsity: -0.5 })).toThrow(
      UserError,
    );
    expect(() => pruneModel(model, "magnitude", { kind: "nm", n: 4, m: 2 })).toThrow(/N ≤ M/);
  });
});
