// What the gradient checks of every method share: a batch on lab 05's tiny float64 model,
// and ∂L/∂θ by central differences of the method's own forward loss.

import type { Peft } from "@llm-labs/lab-lora";
import { centralDifference, tinyModel } from "@llm-labs/lab-lora/test-util";
import type { GPT } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { expect } from "vitest";
import { methodGrads, methodLoss } from "../src/evaluate.ts";

export { tinyModel };

// B sequences of T random ids and their next-token targets.
export function tinyBatch(model: GPT, B: number, T: number, seed: number): { x: Int32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const V = model.config.vocab_size;
  const x = Int32Array.from({ length: B * T }, () => rng.int(V));
  const y = Int32Array.from({ length: B * T }, () => rng.int(V));
  return { x, y };
}

// Hand-written ∂L/∂θ against float64 central differences at `count` spread-out indices of θ
// (and at every index when θ is small). Returns the largest |analytic| seen, so a caller can
// also assert the gradient is not trivially zero.
export function expectGradsMatch(
  base: GPT,
  peft: Peft,
  B: number,
  T: number,
  count = 24,
  tol = 1e-7,
): number {
  const { x, y } = tinyBatch(base, B, T, 5);
  const analytic = methodGrads(base, peft, x, y, B, T);
  const n = peft.params.length;
  const step = Math.max(1, Math.floor(n / count));
  let largest = 0;
  for (let i = 0; i < n; i += step) {
    const numeric = centralDifference(peft.params, i, () => methodLoss(base, peft, x, y, B, T));
    expect(Math.abs(analytic[i] - numeric), `θ[${i}] of ${peft.name}`).toBeLessThan(tol);
    largest = Math.max(largest, Math.abs(analytic[i]));
  }
  return largest;
}
