// rope against ONNX Runtime's RotaryEmbedding: the com.microsoft contrib op and
// the standard ONNX op (opset 23), both with interleaved = 0 (rotate-half).
//
// Those ops take precomputed cos/sin caches. To keep the check independent, the
// caches are computed INSIDE the ONNX graph from the base (Range, Pow, Mul, Cos,
// Sin), so ORT, not our code, evaluates θ_i = base^(-2i/D) and cos/sin(p·θ_i).
//
// Tolerance. ORT works in float32: p·θ_i carries a relative error of a few u
// (u = 2^-24), i.e. up to ~4u·p radians, and cos/sin add ~2u. An output
// u·cos - v·sin is then off by at most (|u| + |v|)·(4u·(p + 1) + 2u) + 2u·|y|.
// Swapping the pairing (interleaved vs rotate-half) or the sign of sin is off by O(|x|).
import { describe, expect, it } from "vitest";
import { GraphBuilder, f32, i64 } from "@llm-labs/onnx";
import { Rng, randn, rope, tensor } from "../src/index.ts";
import type { Tensor } from "../src/index.ts";
import { U, feed, runGraph, worstRatio } from "./ort.ts";

// cos_cache and sin_cache of shape [maxPos, D/2], computed by ORT.
function addCaches(g: GraphBuilder, D: number, maxPos: number, base: number): GraphBuilder {
  return g
    .initializer("zero", f32([0], []))
    .initializer("one", f32([1], []))
    .initializer("halfD", f32([D / 2], []))
    .initializer("maxPos", f32([maxPos], []))
    .initializer("minusTwoOverD", f32([-2 / D], []))
    .initializer("base", f32([base], []))
    .initializer("axis1", i64([1]))
    .node("Range", ["zero", "halfD", "one"], ["i"]) // 0, 1, ..., D/2 - 1
    .node("Mul", ["i", "minusTwoOverD"], ["exponent"]) // -2i/D
    .node("Pow", ["base", "exponent"], ["theta"]) // θ_i = base^(-2i/D)
    .node("Range", ["zero", "maxPos", "one"], ["pos"]) // 0, 1, ..., maxPos - 1
    .node("Unsqueeze", ["pos", "axis1"], ["posColumn"]) // [maxPos, 1]
    .node("Mul", ["posColumn", "theta"], ["angles"]) // p·θ_i, [maxPos, D/2]
    .node("Cos", ["angles"], ["cosCache"])
    .node("Sin", ["angles"], ["sinCache"]);
}

function tolerance(x: Tensor, y: Tensor, offset: number) {
  const D = x.shape.at(-1)!;
  const T = x.shape.at(-2)!;
  const half = D / 2;
  return (i: number) => {
    const d = i % D;
    const partner = d < half ? i + half : i - half;
    const p = offset + (Math.floor(i / D) % T);
    const pair = Math.abs(x.data[i]) + Math.abs(x.data[partner]);
    return pair * (4 * U * (p + 1) + 2 * U) + 2 * U * Math.abs(y.data[i]) + 1e-45;
  };
}

const cases: { H: number; T: number; D: number; offset: number; base: number }[] = [
  { H: 2, T: 5, D: 8, offset: 0, base: 10000 },
  { H: 3, T: 4, D: 16, offset: 7, base: 10000 }, // decoding with a KV cache: positions 7..10
  { H: 1, T: 6, D: 4, offset: 2, base: 500 },
];

describe("rope", () => {
  for (const { H, T, D, offset, base } of cases) {
    const maxPos = offset + T;
    const x = randn(new Rng(D * 31 + offset), [1, H, T, D]);
    const positions = i64(
      Array.from({ length: T }, (_, t) => offset + t),
      [1, T],
    );
    const ours = rope(x, { offset, base });

    it(`agrees with com.microsoft RotaryEmbedding: [1, ${H}, ${T}, ${D}], offset ${offset}, base ${base}`, async () => {
      const g = addCaches(new GraphBuilder("rope-ms"), D, maxPos, base)
        .input("X", "float32", x.shape)
        .input("P", "int64", [1, T])
        .node(
          "RotaryEmbedding",
          ["X", "P", "cosCache", "sinCache"],
          ["Y"],
          { interleaved: 0 },
          { domain: "com.microsoft" },
        )
        .output("Y", "float32", x.shape);
      const ref = await runGraph(g, { X: feed(x), P: positions }, 21, "com.microsoft");
      expect(worstRatio(ours, ref, tolerance(x, ref, offset))).toBeLessThanOrEqual(1);
    });

    it(`agrees with ONNX RotaryEmbedding (opset 23): [1, ${H}, ${T}, ${D}], offset ${offset}, base ${base}`, async () => {
      const g = addCaches(new GraphBuilder("rope-23"), D, maxPos, base)
        .input("X", "float32", x.shape)
        .input("P", "int64", [1, T])
        .node("RotaryEmbedding", ["X", "cosCache", "sinCache", "P"], ["Y"], { interleaved: 0 })
        .output("Y", "float32", x.shape);
      const ref = await runGraph(g, { X: feed(x), P: positions }, 23);
      expect(worstRatio(ours, ref, tolerance(x, ref, offset))).toBeLessThanOrEqual(1);
    });
  }

  it("rotates by hand-computed angles (rotate-half pairs x_i with x_{i+D/2})", () => {
    // D = 4, base 100: θ_0 = 1, θ_1 = 100^(-1/2) = 0.1. At position p = 2:
    // pair (x0, x2) turns by 2 rad, pair (x1, x3) by 0.2 rad.
    const y = rope(tensor([1, 0, 0, 3], [1, 4]), { offset: 2, base: 100 });
    const want = [Math.cos(2), -3 * Math.sin(0.2), Math.sin(2), 3 * Math.cos(0.2)];
    want.forEach((v, i) => expect(y.data[i]).toBeCloseTo(v, 6));
  });

  it("leaves position 0 unchanged", () => {
    const x = randn(new Rng(5), [3, 8]);
    expect(Array.from(rope(x).data.subarray(0, 8))).toEqual(Array.from(x.data.subarray(0, 8)));
  });

  it("makes q·k depend only on the distance between positions", () => {
    const rng = new Rng(6);
    const q = randn(rng, [1, 32]);
    const k = randn(rng, [1, 32]);
    const score = (pq: number, pk: number) => {
      const a = rope(q, { offset: pq }).data;
      const b = rope(k, { offset: pk }).data;
      return a.reduce((s, v, i) => s + v * b[i], 0);
    };
    // Same distance 3, different absolute positions: same score.
    expect(score(5, 2)).toBeCloseTo(score(103, 100), 4);
    // A different distance gives a different score.
    expect(Math.abs(score(5, 2) - score(5, 4))).toBeGreaterThan(1e-3);
  });

  it("needs an even head size", () => {
    expect(() => rope(tensor(new Float32Array(6), [2, 3]))).toThrow(
      "rope: head size D must be even to form pairs, got [2, 3]",
    );
  });
});
