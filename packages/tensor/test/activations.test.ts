// erf, GELU (exact and tanh), sigmoid and SiLU against ONNX Runtime.
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "@llm-labs/onnx";
import { Rng, erf, gelu, geluTanh, randn, sigmoid, silu, tensor } from "../src/index.ts";
import { U, feed, ortOp, runGraph, worstRatio } from "./ort.ts";

// Inputs from -12 to 12: the body of the curves plus both saturated tails.
const x = randn(new Rng(11), [8, 64], 4);
x.data.set([0, -0, 1e-8, -1e-8, 12, -12, 6, -6]);

describe("erf", () => {
  it("matches tabulated values (Abramowitz & Stegun, Table 7.1) to 1e-15", () => {
    const table: [number, number][] = [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
    ];
    for (const [v, want] of table) {
      expect(Math.abs(erf(v) - want)).toBeLessThan(1e-15);
      expect(Math.abs(erf(-v) + want)).toBeLessThan(1e-15); // erf is odd
    }
    expect(erf(10)).toBe(1);
    expect(erf(-10)).toBe(-1);
  });

  it("agrees with ORT Erf to 2u (ORT's float32 erf is within about 1 ulp; ours is exact after rounding)", async () => {
    const ref = await ortOp("Erf", { X: x });
    const ours = tensor(x.data.map(erf), x.shape);
    expect(worstRatio(ours, ref, () => 2 * U)).toBeLessThanOrEqual(1);
  });
});

// The GELU tolerances: the output x·Φ(x) passes through a handful of float32
// operations in ORT (a vectorised erf or tanh approximation, a multiply, an add),
// each within a few ulp; 16·u·(1 + |y|) for erf and 32·u·(1 + |y|) for ORT's
// rational tanh. A swapped formula (tanh vs erf form) differs by up to 1e-3.
describe("gelu", () => {
  it("exact form agrees with ORT Gelu (opset 20, approximate = none)", async () => {
    const ref = await ortOp("Gelu", { X: x }, { opset: 20 });
    expect(worstRatio(gelu(x), ref, (i) => 16 * U * (1 + Math.abs(ref.data[i])))).toBeLessThanOrEqual(1);
  });

  it("exact form agrees with com.microsoft Gelu", async () => {
    const ref = await ortOp("Gelu", { X: x }, { domain: "com.microsoft" });
    expect(worstRatio(gelu(x), ref, (i) => 16 * U * (1 + Math.abs(ref.data[i])))).toBeLessThanOrEqual(1);
  });

  it("tanh form agrees with ORT Gelu (opset 20, approximate = tanh)", async () => {
    const ref = await ortOp("Gelu", { X: x }, { opset: 20, attrs: { approximate: "tanh" } });
    expect(worstRatio(geluTanh(x), ref, (i) => 32 * U * (1 + Math.abs(ref.data[i])))).toBeLessThanOrEqual(1);
  });

  it("the two forms really differ (so the tests above can tell them apart)", () => {
    const d = Math.abs(gelu(tensor([1], [1])).data[0] - geluTanh(tensor([1], [1])).data[0]);
    expect(d).toBeGreaterThan(1e-4);
  });
});

describe("sigmoid and silu", () => {
  it("sigmoid agrees with ORT Sigmoid to 4u absolute (values in [0, 1])", async () => {
    const ref = await ortOp("Sigmoid", { X: x });
    expect(worstRatio(sigmoid(x), ref, () => 4 * U)).toBeLessThanOrEqual(1);
  });

  // ORT's σ is within 4u absolute (previous test); multiplying by x scales that
  // to 4u·|x|, and the product's own rounding adds u·|y|.
  it("silu agrees with an ORT graph Sigmoid then Mul (x·σ(x)) to 4u·|x| + 2u·|y|", async () => {
    const g = new GraphBuilder("silu")
      .input("X", "float32", x.shape)
      .node("Sigmoid", ["X"], ["S"])
      .node("Mul", ["X", "S"], ["Y"])
      .output("Y", "float32", x.shape);
    const ref = await runGraph(g, { X: feed(x) }, 21);
    const tol = (i: number) => 4 * U * Math.abs(x.data[i]) + 2 * U * Math.abs(ref.data[i]) + 1e-45;
    expect(worstRatio(silu(x), ref, tol)).toBeLessThanOrEqual(1);
  });

  it("silu has the right limits: 0 at 0, x for large x, 0 for very negative x", () => {
    const y = silu(tensor([0, 50, -1000], [3]));
    expect(y.data[0]).toBe(0);
    expect(y.data[1]).toBe(50);
    expect(Math.abs(y.data[2])).toBe(0);
  });
});
