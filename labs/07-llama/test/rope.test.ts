// Exercises rope and rope-interleaved: src/rope.ts.
import { forwardPass, ropeFrequencies } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { ortRotaryEmbedding } from "../src/ort-reference.ts";
import { inverseFrequencies, rope, toRotateHalf, type RopeLayout } from "../src/rope.ts";
import { llamaSpecimen, maxAbsDiff, promptIds, randomArray } from "./util.ts";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const at = (p0: number, d: number, base = 10000) => ({ p0, invFreq: inverseFrequencies(d, base) });

// The ORT comparison: B = 2 sequences of T = 5 positions starting at p0 = 7, 3 heads of d = 16.
// Tolerance: angles up to 11 rad in float32 (ORT's caches) are off by ~11·2⁻²⁴ ≈ 7e-7 rad; on
// |x| ≲ 4 that is ~3e-6; a wrong pair or a wrong sign is off by O(|x|).
async function checkAgainstOrt(layout: RopeLayout) {
  const [B, T, heads, d, p0] = [2, 5, 3, 16, 7];
  const x = randomArray(B * T * heads * d, layout.length);
  const ours = rope(x, B, T, heads, d, at(p0, d), layout);
  const ref = await ortRotaryEmbedding(
    x,
    B,
    T,
    heads,
    d,
    p0,
    inverseFrequencies(d, 10000),
    layout === "interleaved" ? 1 : 0,
  );
  return maxAbsDiff(ours, ref);
}

describe("exercise: rope", () => {
  it("θ_i = base^(−2i/d): by hand for d = 4, base 100 and for the specimen's d = 16, base 10⁴", () => {
    // d = 4, base 100: θ = [100^0, 100^(−2/4)] = [1, 0.1]
    expect(Array.from(inverseFrequencies(4, 100))).toEqual([1, 0.1]);
    // d = 16, base 10⁴: θ_1 = 10^(−4·2/16) = 10^(−0.5) = 0.3162278, θ_7 = 10^(−3.5) = 3.162278e-4
    const theta = inverseFrequencies(16, 10000);
    expect(theta.length).toBe(8);
    expect(theta[1]).toBeCloseTo(0.3162278, 7);
    expect(theta[7]).toBeCloseTo(3.162278e-4, 10);
    // the specimen's own frequencies (packages/model) are these: rope_scaling is null
    expect(maxAbsDiff(theta, ropeFrequencies(llamaSpecimen().config, 1).invFreq)).toBe(0);
  });

  it("rotates x = [1, 0, 0, 1] at position 2 by hand (rotate-half pairs x_i with x_{i+2})", () => {
    // d = 4, base 100, θ = [1, 0.1], p = 2: angles 2 and 0.2 rad.
    // pair 0 = (x0, x2) = (1, 0) → (cos 2, sin 2) = (−0.4161468, 0.9092974)
    // pair 1 = (x1, x3) = (0, 1) → (−sin 0.2, cos 0.2) = (−0.1986693, 0.9800666)
    // y = [y0, y1, y2, y3] = [−0.4161468, −0.1986693, 0.9092974, 0.9800666]
    const y = rope(Float32Array.of(1, 0, 0, 1), 1, 1, 1, 4, at(2, 4, 100));
    [-0.4161468, -0.1986693, 0.9092974, 0.9800666].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it("equals com.microsoft.RotaryEmbedding with interleaved = 0", async () => {
    expect(await checkAgainstOrt("rotate-half")).toBeLessThan(1e-5); // measured ~5e-7
  });

  it("keeps lengths and makes q·k depend only on the distance m − n (RoFormer §3.4.2)", () => {
    const d = 16;
    const q = randomArray(d, 5);
    const k = randomArray(d, 6);
    const rot = (x: Float32Array, p: number) => rope(x, 1, 1, 1, d, at(p, d));
    expect(Math.sqrt(dot(rot(q, 37), rot(q, 37)))).toBeCloseTo(Math.sqrt(dot(q, q)), 5);
    // the same distance 3 at positions (10, 7) and (310, 307): the same score
    expect(dot(rot(q, 10), rot(k, 7))).toBeCloseTo(dot(rot(q, 310), rot(k, 307)), 4);
    // another distance, another score
    expect(Math.abs(dot(rot(q, 10), rot(k, 7)) - dot(rot(q, 10), rot(k, 2)))).toBeGreaterThan(1e-2);
  });

  it("plugged into the Llama specimen (q and k of every layer), gives the specimen's own logits", () => {
    const model = llamaSpecimen();
    const ids = promptIds(24);
    const ref = forwardPass(model, ids, 1, ids.length);
    const ours = forwardPass(model, ids, 1, ids.length, {
      rope: (_l, _which, x, B, T, heads, d, r) => rope(x, B, T, heads, d, r),
    });
    // our angles are float64, Hugging Face's (and the specimen's) float32: ~1e-7 relative
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-4);
  });
});

describe("exercise: rope-interleaved", () => {
  it("rotates x = [1, 0, 0, 1] at position 2 by hand (interleaved pairs x_{2i} with x_{2i+1})", () => {
    // θ = [1, 0.1], p = 2 as above, but the pairs are (x0, x1) = (1, 0) and (x2, x3) = (0, 1):
    // pair 0 → (cos 2, sin 2) = (−0.4161468, 0.9092974);  pair 1 → (−sin 0.2, cos 0.2)
    // y = [−0.4161468, 0.9092974, −0.1986693, 0.9800666]
    const y = rope(Float32Array.of(1, 0, 0, 1), 1, 1, 1, 4, at(2, 4, 100), "interleaved");
    [-0.4161468, 0.9092974, -0.1986693, 0.9800666].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it("equals com.microsoft.RotaryEmbedding with interleaved = 1", async () => {
    expect(await checkAgainstOrt("interleaved")).toBeLessThan(1e-5);
  });

  it("Meta's layout on W equals Hugging Face's on the permuted W (convert_llama_weights_to_hf.py)", () => {
    // x·W rotated interleaved, then columns moved (2i → i, 2i+1 → i + d/2), is x·W' rotated rotate-half
    const [K, heads, d] = [6, 2, 8];
    const x = randomArray(K, 7);
    const W = randomArray(K * heads * d, 8);
    const proj = (w: Float32Array) =>
      Float32Array.from({ length: heads * d }, (_, c) =>
        x.reduce((s, xv, r) => s + xv * w[r * heads * d + c], 0),
      );
    const meta = rope(proj(W), 1, 1, heads, d, at(5, d), "interleaved");
    const hf = rope(proj(toRotateHalf(W, K, heads, d)), 1, 1, heads, d, at(5, d), "rotate-half");
    expect(maxAbsDiff(toRotateHalf(meta, 1, heads, d), hf)).toBeLessThan(1e-5);
    // and the two layouts on the SAME weights disagree: a checkpoint knows its layout
    expect(maxAbsDiff(rope(proj(W), 1, 1, heads, d, at(5, d), "rotate-half"), meta)).toBeGreaterThan(0.1);
  });
});
