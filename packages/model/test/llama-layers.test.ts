// The Llama layers (llama-layers.ts) and config (llama-config.ts).
//
// Each forward is checked three ways: against ONNX Runtime's own operator on random
// inputs (float32, as ORT runs them), on a tiny example worked out by hand, and its
// backward against float64 central differences
//   (L(x + h·e_i) − L(x − h·e_i)) / 2h = ∂L/∂x_i + O(h²) + O(2^-53·|L| / h)
// with L = Σ w ⊙ y for a fixed random w (so dL/dy = w) and h = 1e-5: both error terms
// are ~1e-10, so a relative error of 1e-6 is far below any mistake in a formula.
//
// The ORT operators, all on the CPU execution provider of onnxruntime-node 1.30:
//   RMSNorm    SimplifiedLayerNormalization (ai.onnx domain, an ORT contrib op) and
//              RMSNormalization (ONNX opset 23)
//   RoPE       com.microsoft.RotaryEmbedding and RotaryEmbedding (opset 23), interleaved 0 and 1
//   SwiGLU     a Mul(Mul(G, Sigmoid(G)), U) graph (ONNX has no SwiGLU operator)
//   GQA        Attention (opset 23) with kv_num_heads < q_num_heads, and
//              com.microsoft.GroupQueryAttention with do_rotary: prefill, then one decode step
//              from its past key/values (its CPU kernel needs head_size % 16 = 0 with do_rotary, so d = 16)

import { UserError } from "@llm-labs/errors";
import { GraphBuilder, f32, i64, runModel, type TensorData } from "@llm-labs/onnx";
import { Rng, maxAbsDiff } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { attentionBackward } from "../src/backward.ts";
import { KVCache } from "../src/kv-cache.ts";
import { LLAMA_LIMITS, llamaParamCount, parseLlamaConfig } from "../src/llama-config.ts";
import {
  gqaAttentionBackward,
  ropeBackward,
  ropeForward,
  ropeInvFreq,
  rmsNormBackward,
  rmsNormForward,
  swigluBackward,
  swigluForward,
  type RopeOptions,
} from "../src/llama-layers.ts";
import { attentionForward } from "../src/layers.ts";
import type { Floats } from "../src/params.ts";

const U = 2 ** -24; // float32 unit roundoff

function randf(rng: Rng, n: number, std = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal(0, std));
}
function randd(rng: Rng, n: number, std = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal(0, std));
}

// Central differences of L on every entry of x against the analytic gradient g:
// the worst |numeric − analytic| / max(|numeric|, |analytic|), over entries whose
// gradient is not ~0 (where the absolute error must be < 1e-9 instead).
function gradCheck(L: () => number, x: Floats, g: Floats): number {
  const h = 1e-5;
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = L();
    x[i] = keep - h;
    const down = L();
    x[i] = keep;
    const numeric = (up - down) / (2 * h);
    const size = Math.max(Math.abs(numeric), Math.abs(g[i]));
    largest = Math.max(largest, size);
    if (size < 1e-6) expect(Math.abs(numeric - g[i])).toBeLessThan(1e-9);
    else worst = Math.max(worst, Math.abs(numeric - g[i]) / size);
  }
  expect(largest).toBeGreaterThan(1e-3); // the check is not vacuous
  return worst;
}

function dot(w: Floats, y: Floats): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * y[i];
  return s;
}

// One float32 output of a graph built by `build`, from `feeds`.
async function ort(
  build: (g: GraphBuilder) => GraphBuilder,
  feeds: Record<string, TensorData>,
  opset = 21,
  output = "Y",
): Promise<Float32Array> {
  const model = build(new GraphBuilder("llama-layer"))
    .output(output, "float32")
    .toModel({ opset, extraOpsets: { "com.microsoft": 1 } });
  const out = await runModel(model, feeds);
  return out[output].data as Float32Array;
}

describe("RMSNorm", () => {
  // Tolerance: ORT sums the C squares in float32, a relative error up to ~C·u in the
  // mean square and C·u/2 in rstd; (C + 16)·u·(1 + |y|) is far below a missing ε, a
  // mean subtracted (LayerNorm) or γ left out.
  for (const [N, C, eps] of [
    [6, 16, 1e-5],
    [3, 48, 0.5],
  ] as const) {
    const rng = new Rng(C);
    const x = randf(rng, N * C, 2);
    const gamma = randf(rng, C);
    const ours = new Float32Array(N * C);
    rmsNormForward(ours, new Float32Array(N), x, gamma, N, C, eps);
    const tol = (C + 16) * U * (1 + Math.max(...ours.map(Math.abs)));
    for (const [op, opset] of [
      ["SimplifiedLayerNormalization", 21],
      ["RMSNormalization", 23],
    ] as const) {
      it(`equals ORT ${op} (opset ${opset}) on [${N}, ${C}], ε ${eps}`, async () => {
        const ref = await ort(
          (g) =>
            g
              .input("X", "float32", [N, C])
              .initializer("gamma", f32(gamma))
              .node(op, ["X", "gamma"], ["Y"], { axis: -1, epsilon: { float: eps } }),
          { X: f32(x, [N, C]) },
          opset,
        );
        expect(maxAbsDiff(ours, ref)).toBeLessThan(tol); // measured ≤ 4.8e-7
      });
    }
  }

  it("normalises [3, 4] by hand, and its gradient is orthogonal to x", () => {
    // mean(x²) = (9 + 16)/2 = 12.5, rstd = 1/√12.5 = 0.2828427, x̂ = [0.8485281, 1.1313708];
    // γ = [1, 2]: y = [0.8485281, 2.2627417].
    // Backward with dy = [1, 0]: g = dy ⊙ γ = [1, 0], mean(g ⊙ x̂) = 0.4242641,
    // dx = rstd·(g − x̂·0.4242641) = 0.2828427·([1, 0] − [0.36, 0.48]) = [0.1810193, −0.1357645].
    // x·dx = 0: with ε = 0, RMSNorm(s·x) = RMSNorm(x), so moving x along itself changes nothing.
    const y = new Float64Array(2);
    const rstd = new Float64Array(1);
    const x = Float64Array.of(3, 4);
    const gamma = Float64Array.of(1, 2);
    rmsNormForward(y, rstd, x, gamma, 1, 2, 0);
    expect(y[0]).toBeCloseTo(0.8485281, 7);
    expect(y[1]).toBeCloseTo(2.2627417, 7);
    expect(rstd[0]).toBeCloseTo(0.2828427, 7);
    const dx = new Float64Array(2);
    const dgamma = new Float64Array(2);
    rmsNormBackward(dx, dgamma, Float64Array.of(1, 0), x, gamma, rstd, 1, 2);
    expect(dx[0]).toBeCloseTo(0.1810193, 7);
    expect(dx[1]).toBeCloseTo(-0.1357645, 7);
    expect(dgamma[0]).toBeCloseTo(0.8485281, 7); // dy ⊙ x̂
    expect(3 * dx[0] + 4 * dx[1]).toBeCloseTo(0, 12);
  });

  it("backward: dx and dγ match central differences (float64)", () => {
    const N = 6;
    const C = 8;
    const eps = 0.1; // large enough that leaving ε out of the backward would show
    const rng = new Rng(21);
    const x = randd(rng, N * C, 1.5);
    const gamma = randd(rng, C);
    const w = randd(rng, N * C);
    const y = new Float64Array(N * C);
    const rstd = new Float64Array(N);
    const L = () => {
      rmsNormForward(y, rstd, x, gamma, N, C, eps);
      return dot(w, y);
    };
    L();
    const dx = new Float64Array(N * C);
    const dgamma = new Float64Array(C);
    rmsNormBackward(dx, dgamma, w, x, gamma, rstd, N, C);
    expect(gradCheck(L, x, dx)).toBeLessThan(1e-6); // measured 1e-9
    expect(gradCheck(L, gamma, dgamma)).toBeLessThan(1e-6);
  });
});

// cos and sin caches [maxPos, d/2] computed INSIDE the graph, θ_i = base^(−2i/d) / factor,
// times m, so ORT, not our code, evaluates the frequencies and angles.
function addRopeCaches(g: GraphBuilder, d: number, maxPos: number, base: number, factor = 1, m = 1) {
  return g
    .initializer("zero", f32([0], []))
    .initializer("one", f32([1], []))
    .initializer("halfD", f32([d / 2], []))
    .initializer("maxPos", f32([maxPos], []))
    .initializer("minusTwoOverD", f32([-2 / d], []))
    .initializer("base", f32([base], []))
    .initializer("invFactor", f32([1 / factor], []))
    .initializer("m", f32([m], []))
    .initializer("axis1", i64([1]))
    .node("Range", ["zero", "halfD", "one"], ["i"])
    .node("Mul", ["i", "minusTwoOverD"], ["exponent"])
    .node("Pow", ["base", "exponent"], ["theta0"])
    .node("Mul", ["theta0", "invFactor"], ["theta"])
    .node("Range", ["zero", "maxPos", "one"], ["pos"])
    .node("Unsqueeze", ["pos", "axis1"], ["posColumn"])
    .node("Mul", ["posColumn", "theta"], ["angles"])
    .node("Cos", ["angles"], ["cos0"])
    .node("Sin", ["angles"], ["sin0"])
    .node("Mul", ["cos0", "m"], ["cosCache"])
    .node("Mul", ["sin0", "m"], ["sinCache"]);
}

function positionIds(B: number, T: number, p0: number): TensorData {
  return i64(
    Array.from({ length: B * T }, (_, i) => p0 + (i % T)),
    [B, T],
  );
}

describe("RoPE", () => {
  // Tolerance: ORT's angle p·θ_i in float32 is off by a few u·p radians, its cos and sin by
  // ~u more, so an output a·cos − b·sin is off by ≤ (|a| + |b|)·m·(4u·(p + 1) + 2u) + 2u·|y|;
  // we bound it by the largest pair. A wrong pairing or sign is off by O(|x|).
  const cases: {
    B: number;
    T: number;
    heads: number;
    d: number;
    p0: number;
    base: number;
    factor?: number;
    m?: number;
  }[] = [
    { B: 2, T: 5, heads: 2, d: 8, p0: 0, base: 10000 },
    { B: 1, T: 4, heads: 3, d: 16, p0: 7, base: 500000 }, // decoding after 7 cached positions
    // position interpolation (θ_i / 4) with YaRN-style attention scaling: our invFreq option
    { B: 1, T: 3, heads: 2, d: 8, p0: 30, base: 10000, factor: 4, m: 1.2 },
  ];
  for (const { B, T, heads, d, p0, base, factor = 1, m = 1 } of cases)
    for (const interleaved of [0, 1]) {
      const layout = interleaved ? "interleaved" : "rotate-half";
      const W = heads * d;
      const x = randf(new Rng(d * 7 + p0 + interleaved), B * T * W);
      const opts: RopeOptions = { p0, base, layout, attentionScaling: m };
      if (factor !== 1) opts.invFreq = ropeInvFreq(d, base).map((f) => f / factor);
      const ours = new Float32Array(x.length);
      ropeForward(ours, x, B, T, heads, d, opts);
      const xmax = Math.max(...x.map(Math.abs));
      const tol = 2 * xmax * m * (4 * U * (p0 + T + 1) + 2 * U) + 2 * U * 2 * xmax * m;
      const what = `[${B}, ${T}, ${heads}·${d}], p0 ${p0}, base ${base}${factor !== 1 ? `, θ/${factor}, m ${m}` : ""}`;

      it(`equals com.microsoft.RotaryEmbedding, interleaved ${interleaved}: ${what}`, async () => {
        const ref = await ort(
          (g) =>
            addRopeCaches(g, d, p0 + T, base, factor, m)
              .input("X", "float32", [B, T, W])
              .input("P", "int64", [B, T])
              .node(
                "RotaryEmbedding",
                ["X", "P", "cosCache", "sinCache"],
                ["Y"],
                { interleaved },
                {
                  domain: "com.microsoft",
                },
              ),
          { X: f32(x, [B, T, W]), P: positionIds(B, T, p0) },
        );
        expect(maxAbsDiff(ours, ref)).toBeLessThan(tol); // measured ≤ 2.4e-7
      });

      it(`equals ONNX RotaryEmbedding (opset 23), interleaved ${interleaved}: ${what}`, async () => {
        const ref = await ort(
          (g) =>
            addRopeCaches(g, d, p0 + T, base, factor, m)
              .input("X", "float32", [B, T, W])
              .input("P", "int64", [B, T])
              .node("RotaryEmbedding", ["X", "cosCache", "sinCache", "P"], ["Y"], {
                interleaved,
                num_heads: heads,
              }),
          { X: f32(x, [B, T, W]), P: positionIds(B, T, p0) },
          23,
        );
        expect(maxAbsDiff(ours, ref)).toBeLessThan(tol);
      });
    }

  it("rotates x = [1, 2, 3, 4] at position 1 by hand, in both layouts", () => {
    // d = 4, base 100: θ = [100^0, 100^(−1/2)] = [1, 0.1]; at p = 1 the angles are 1 and 0.1 rad.
    // rotate-half pairs (x0, x2) = (1, 3) by 1 rad and (x1, x3) = (2, 4) by 0.1 rad:
    //   y0 = 1·cos 1 − 3·sin 1 = −1.9841106     y2 = 3·cos 1 + 1·sin 1 = 2.4623779
    //   y1 = 2·cos .1 − 4·sin .1 = 1.5906746    y3 = 4·cos .1 + 2·sin .1 = 4.1796835
    // interleaved pairs (x0, x1) = (1, 2) by 1 rad and (x2, x3) = (3, 4) by 0.1 rad:
    //   y0 = cos 1 − 2·sin 1 = −1.1426397       y1 = 2·cos 1 + sin 1 = 1.9220756
    //   y2 = 3·cos .1 − 4·sin .1 = 2.5856788    y3 = 4·cos .1 + 3·sin .1 = 4.2795169
    const x = Float64Array.of(1, 2, 3, 4);
    const half = new Float64Array(4);
    const inter = new Float64Array(4);
    ropeForward(half, x, 1, 1, 1, 4, { p0: 1, base: 100 });
    ropeForward(inter, x, 1, 1, 1, 4, { p0: 1, base: 100, layout: "interleaved" });
    [-1.9841106, 1.5906746, 2.4623779, 4.1796835].forEach((v, i) => expect(half[i]).toBeCloseTo(v, 6));
    [-1.1426397, 1.9220756, 2.5856788, 4.2795169].forEach((v, i) => expect(inter[i]).toBeCloseTo(v, 6));
  });

  it("a chunk rotated at p0 equals the same rows of the whole sequence (what a KV cache relies on)", () => {
    const B = 2;
    const T = 6;
    const heads = 2;
    const d = 8;
    const x = randd(new Rng(4), B * T * heads * d);
    const whole = new Float64Array(x.length);
    ropeForward(whole, x, B, T, heads, d);
    const W = heads * d;
    for (let b = 0; b < B; b++) {
      const rows = x.slice((b * T + 4) * W, (b * T + 6) * W); // positions 4 and 5 of sequence b
      ropeForward(rows, rows, 1, 2, heads, d, { p0: 4 }); // in place
      expect(maxAbsDiff(rows, whole.subarray((b * T + 4) * W, (b * T + 6) * W))).toBeLessThan(1e-15);
    }
  });

  for (const layout of ["rotate-half", "interleaved"] as const)
    it(`backward (${layout}) is the rotation by −angle: central differences (float64)`, () => {
      const B = 2;
      const T = 3;
      const heads = 2;
      const d = 8;
      const rng = new Rng(layout.length);
      const invFreq = Float64Array.from({ length: d / 2 }, () => rng.next() * 2); // any frequencies
      const opts: RopeOptions = { p0: 3, layout, invFreq, attentionScaling: 1.3 };
      const x = randd(rng, B * T * heads * d);
      const w = randd(rng, x.length);
      const y = new Float64Array(x.length);
      const L = () => {
        ropeForward(y, x, B, T, heads, d, opts);
        return dot(w, y);
      };
      const dx = new Float64Array(x.length);
      ropeBackward(dx, w, B, T, heads, d, opts);
      expect(gradCheck(L, x, dx)).toBeLessThan(1e-6);
    });

  it("refuses an odd head dimension, a wrong invFreq length and a negative p0", () => {
    const x = new Float64Array(6);
    expect(() => ropeForward(x, x, 1, 1, 1, 6, { invFreq: [1, 2] })).toThrow(
      "rope: invFreq needs d/2 = 3 entries, got 2",
    );
    expect(() => ropeInvFreq(5)).toThrow("rope: head dimension must be even and > 0, got 5");
    expect(() => ropeForward(x, x, 1, 1, 1, 6, { p0: -1 })).toThrow("rope: p0 must be a whole number ≥ 0");
  });
});

describe("SwiGLU", () => {
  it("silu(gate) ⊙ up equals ORT's Mul(Mul(G, Sigmoid(G)), U)", async () => {
    const n = 64;
    const rng = new Rng(8);
    const gate = randf(rng, n, 4); // wide enough to reach both tails of the sigmoid
    const up = randf(rng, n);
    const ours = new Float32Array(n);
    swigluForward(ours, gate, up, n);
    const ref = await ort(
      (g) =>
        g
          .input("G", "float32", [n])
          .input("U", "float32", [n])
          .node("Sigmoid", ["G"], ["s"])
          .node("Mul", ["G", "s"], ["silu"])
          .node("Mul", ["silu", "U"], ["Y"]),
      { G: f32(gate), U: f32(up) },
    );
    // three float32 roundings and ORT's vectorised sigmoid (MLAS, a few u): 16u of the largest |y|
    expect(maxAbsDiff(ours, ref)).toBeLessThan(16 * U * Math.max(...ours.map(Math.abs)));
  });

  it("gates [5, 2, 2] by silu([0, 1, −1]) by hand", () => {
    // silu(0) = 0; silu(1) = 1/(1 + e^−1) = 0.7310586; silu(−1) = −1/(1 + e) = −0.2689414.
    // h = [0, 1.4621172, −0.5378828]. Backward with dh = 1 at gate 0: silu'(0) = σ(0) = 0.5,
    // so dgate = 5·0.5 = 2.5 and dup = silu(0) = 0.
    const h = new Float64Array(3);
    const gate = Float64Array.of(0, 1, -1);
    const up = Float64Array.of(5, 2, 2);
    swigluForward(h, gate, up, 3);
    [0, 1.4621172, -0.5378828].forEach((v, i) => expect(h[i]).toBeCloseTo(v, 7));
    const dgate = new Float64Array(3);
    const dup = new Float64Array(3);
    swigluBackward(dgate, dup, Float64Array.of(1, 0, 0), gate, up, 3);
    expect(dgate[0]).toBeCloseTo(2.5, 12);
    expect(dup[0]).toBe(0);
  });

  it("backward: dgate and dup match central differences (float64)", () => {
    const n = 40;
    const rng = new Rng(9);
    const gate = randd(rng, n, 3);
    const up = randd(rng, n);
    const w = randd(rng, n);
    const h = new Float64Array(n);
    const L = () => {
      swigluForward(h, gate, up, n);
      return dot(w, h);
    };
    const dgate = new Float64Array(n);
    const dup = new Float64Array(n);
    swigluBackward(dgate, dup, w, gate, up, n);
    expect(gradCheck(L, gate, dgate)).toBeLessThan(1e-6);
    expect(gradCheck(L, up, dup)).toBeLessThan(1e-6);
  });
});

// The specimen's attention (layers.ts) over a KV store of H_kv heads: the GQA forward.
function gqaForward(
  q: Floats,
  k: Floats,
  v: Floats,
  B: number,
  T: number,
  H: number,
  Hkv: number,
  d: number,
  probs?: Floats,
): Floats {
  const f64 = q instanceof Float64Array;
  const cache = new KVCache(1, Hkv, d, T, B, f64 ? "float64" : "float32");
  cache.append(0, k, v, B, T);
  const out = f64 ? new Float64Array(B * T * H * d) : new Float32Array(B * T * H * d);
  attentionForward(out, q, cache, 0, B, T, H, probs);
  return out;
}

describe("grouped-query attention", () => {
  // Tolerance: ORT and we both compute softmax(q·k/√d)·v in float32 with sums over d and
  // T terms; 1e-6·(1 + max|y|) is ~10 u·T, and a wrong KV head (⌊h·H_kv/H⌋ vs h mod H_kv)
  // or a missing causal mask is off by O(|v|).
  const B = 2;
  const T = 6;
  const H = 4;
  const Hkv = 2;
  const d = 16;
  const rng = new Rng(12);
  const q = randf(rng, B * T * H * d);
  const k = randf(rng, B * T * Hkv * d);
  const v = randf(rng, B * T * Hkv * d);
  const ours = gqaForward(q, k, v, B, T, H, Hkv, d);
  const tol = 1e-6 * (1 + Math.max(...ours.map(Math.abs)));

  it(`attentionForward with ${Hkv} KV heads equals ONNX Attention (opset 23), ${H} query heads`, async () => {
    const ref = await ort(
      (g) =>
        g
          .input("Q", "float32", [B, T, H * d])
          .input("K", "float32", [B, T, Hkv * d])
          .input("V", "float32", [B, T, Hkv * d])
          .node("Attention", ["Q", "K", "V"], ["Y"], { is_causal: 1, q_num_heads: H, kv_num_heads: Hkv }),
      { Q: f32(q, [B, T, H * d]), K: f32(k, [B, T, Hkv * d]), V: f32(v, [B, T, Hkv * d]) },
      23,
    );
    expect(maxAbsDiff(ours, ref)).toBeLessThan(tol); // measured 2.4e-7
  });

  // GroupQueryAttention rotates q and k itself (do_rotary), appends k and v to its past, and
  // returns the cache as present_key/present_value [B, H_kv, length, d]. Ours: ropeForward on
  // q and k, KVCache.append, attentionForward; then one decode step at p0 = T from that cache.
  for (const interleaved of [0, 1])
    it(`RoPE + KV cache + GQA equals com.microsoft.GroupQueryAttention (do_rotary, interleaved ${interleaved}): prefill ${T}, decode 1`, async () => {
      const layout = interleaved ? "interleaved" : "rotate-half";
      const base = 10000;
      const cache = new KVCache(1, Hkv, d, T + 1, B);
      const run = (qx: Float32Array, kx: Float32Array, vx: Float32Array, n: number) => {
        const p0 = cache.length;
        const qr = new Float32Array(qx.length);
        const kr = new Float32Array(kx.length);
        ropeForward(qr, qx, B, n, H, d, { p0, base, layout });
        ropeForward(kr, kx, B, n, Hkv, d, { p0, base, layout });
        cache.append(0, kr, vx, B, n);
        const out = new Float32Array(B * n * H * d);
        attentionForward(out, qr, cache, 0, B, n, H);
        cache.advance(n);
        return out;
      };
      const prefill = run(q, k, v, T);
      const q1 = randf(rng, B * H * d);
      const k1 = randf(rng, B * Hkv * d);
      const v1 = randf(rng, B * Hkv * d);
      const decode = run(q1, k1, v1, 1);

      const inputs = () =>
        new GraphBuilder("gqa")
          .input("Q", "float32", [B, "S", H * d])
          .input("K", "float32", [B, "S", Hkv * d])
          .input("V", "float32", [B, "S", Hkv * d])
          .input("seqlens_k", "int32", [B])
          .input("total", "int32", [])
          .input("past_key", "float32", [B, Hkv, "P", d])
          .input("past_value", "float32", [B, Hkv, "P", d]);
      const model = (past: boolean) =>
        addRopeCaches(inputs(), d, T + 1, base)
          .node(
            "GroupQueryAttention",
            [
              "Q",
              "K",
              "V",
              past ? "past_key" : "",
              past ? "past_value" : "",
              "seqlens_k",
              "total",
              "cosCache",
              "sinCache",
            ],
            ["Y", "present_key", "present_value"],
            { num_heads: H, kv_num_heads: Hkv, do_rotary: 1, rotary_interleaved: interleaved },
            { domain: "com.microsoft" },
          )
          .output("Y", "float32")
          .output("present_key", "float32")
          .output("present_value", "float32")
          .toModel({ opset: 21, extraOpsets: { "com.microsoft": 1 } });
      const int32 = (values: number[], dims: number[]): TensorData => ({
        type: "int32",
        data: Int32Array.from(values),
        dims,
      });
      const empty = f32(new Float32Array(0), [B, Hkv, 0, d]);
      // seqlens_k is each sequence's total length − 1 (ORT's convention); total the longest.
      const first = await runModel(model(false), {
        Q: f32(q, [B, T, H * d]),
        K: f32(k, [B, T, Hkv * d]),
        V: f32(v, [B, T, Hkv * d]),
        seqlens_k: int32(Array(B).fill(T - 1), [B]),
        total: int32([T], []),
        past_key: empty,
        past_value: empty,
      });
      const pk = first.present_key;
      expect(pk.dims).toEqual([B, Hkv, T, d]);
      const second = await runModel(model(true), {
        Q: f32(q1, [B, 1, H * d]),
        K: f32(k1, [B, 1, Hkv * d]),
        V: f32(v1, [B, 1, Hkv * d]),
        seqlens_k: int32(Array(B).fill(T), [B]),
        total: int32([T + 1], []),
        past_key: pk,
        past_value: first.present_value,
      });
      expect(maxAbsDiff(prefill, first.Y.data as Float32Array)).toBeLessThan(tol); // measured ≤ 3.6e-7
      expect(maxAbsDiff(decode, second.Y.data as Float32Array)).toBeLessThan(tol);
      // the keys in both caches are the ROTATED keys: [B, H_kv, T + 1, d], ours with capacity T + 1
      expect(second.present_key.dims).toEqual([B, Hkv, T + 1, d]);
      expect(maxAbsDiff(cache.keys[0], second.present_key.data as Float32Array)).toBeLessThan(tol);
    });

  it("two query heads share one KV head, by hand", () => {
    // d = 1 (scale 1), T = 2, H = 2, H_kv = 1: k = [0, 1], v = [1, 3].
    // t = 0 sees only position 0: both heads output v0 = 1.
    // t = 1, head 0, q = ln 3: scores [0, ln 3] → softmax [1/4, 3/4] → 1/4·1 + 3/4·3 = 2.5
    // t = 1, head 1, q = 0:    scores [0, 0]    → [1/2, 1/2]      → 2
    const out = gqaForward(
      Float64Array.of(5, -7, Math.log(3), 0), // [T, H·d]: (t0: h0, h1), (t1: h0, h1)
      Float64Array.of(0, 1),
      Float64Array.of(1, 3),
      1,
      2,
      2,
      1,
      1,
    );
    [1, 1, 2.5, 2].forEach((y, i) => expect(out[i]).toBeCloseTo(y, 12));
  });

  it("backward: dq, dk, dv match central differences (float64), H = 4, H_kv = 2", () => {
    const B = 2;
    const T = 5;
    const H = 4;
    const Hkv = 2;
    const d = 4;
    const r = new Rng(13);
    const q = randd(r, B * T * H * d);
    const k = randd(r, B * T * Hkv * d);
    const v = randd(r, B * T * Hkv * d);
    const w = randd(r, B * T * H * d);
    const probs = new Float64Array(B * H * T * T);
    gqaForward(q, k, v, B, T, H, Hkv, d, probs);
    const dq = new Float64Array(q.length);
    const dk = new Float64Array(k.length);
    const dv = new Float64Array(v.length);
    gqaAttentionBackward(dq, dk, dv, w, q, k, v, probs, B, T, H, Hkv, d);
    const L = () => dot(w, gqaForward(q, k, v, B, T, H, Hkv, d));
    expect(gradCheck(L, q, dq)).toBeLessThan(1e-6);
    expect(gradCheck(L, k, dk)).toBeLessThan(1e-6);
    expect(gradCheck(L, v, dv)).toBeLessThan(1e-6);
  });

  it("backward: a KV head's gradient sums its query group; with H_kv = H it is GPT-2's attentionBackward", () => {
    const B = 1;
    const T = 4;
    const d = 2;
    const r = new Rng(14);
    const q1 = randd(r, B * T * d);
    const k = randd(r, B * T * d);
    const v = randd(r, B * T * d);
    const w1 = randd(r, B * T * d);
    // one head, H = H_kv = 1
    const p1 = new Float64Array(T * T);
    gqaForward(q1, k, v, B, T, 1, 1, d, p1);
    const dq1 = new Float64Array(q1.length);
    const dk1 = new Float64Array(k.length);
    const dv1 = new Float64Array(v.length);
    gqaAttentionBackward(dq1, dk1, dv1, w1, q1, k, v, p1, B, T, 1, 1, d);
    // the same query twice, both heads on the one KV head: twice the gradient of k and v
    const q2 = Float64Array.from({ length: T * 2 * d }, (_, i) => q1[Math.floor(i / (2 * d)) * d + (i % d)]);
    const w2 = Float64Array.from({ length: T * 2 * d }, (_, i) => w1[Math.floor(i / (2 * d)) * d + (i % d)]);
    const p2 = new Float64Array(2 * T * T);
    gqaForward(q2, k, v, B, T, 2, 1, d, p2);
    const dq2 = new Float64Array(q2.length);
    const dk2 = new Float64Array(k.length);
    const dv2 = new Float64Array(v.length);
    gqaAttentionBackward(dq2, dk2, dv2, w2, q2, k, v, p2, B, T, 2, 1, d);
    expect(
      maxAbsDiff(
        dk2,
        dk1.map((g) => 2 * g),
      ),
    ).toBeLessThan(1e-14);
    expect(
      maxAbsDiff(
        dv2,
        dv1.map((g) => 2 * g),
      ),
    ).toBeLessThan(1e-14);
    // H_kv = H = 1 against the GPT-2 backward, which reads q, k, v packed as [N, 3·C]
    const qkv = new Float64Array(T * 3 * d);
    const dqkv = new Float64Array(T * 3 * d);
    for (let t = 0; t < T; t++)
      for (let i = 0; i < d; i++) {
        qkv[t * 3 * d + i] = q1[t * d + i];
        qkv[t * 3 * d + d + i] = k[t * d + i];
        qkv[t * 3 * d + 2 * d + i] = v[t * d + i];
      }
    attentionBackward(dqkv, w1, qkv, p1, B, T, d, 1);
    const unpack = (j: number) =>
      Float64Array.from({ length: T * d }, (_, n) => dqkv[Math.floor(n / d) * 3 * d + j * d + (n % d)]);
    expect(maxAbsDiff(unpack(0), dq1)).toBeLessThan(1e-14);
    expect(maxAbsDiff(unpack(1), dk1)).toBeLessThan(1e-14);
    expect(maxAbsDiff(unpack(2), dv1)).toBeLessThan(1e-14);
  });
});

describe("Llama config.json", () => {
  const good = {
    model_type: "llama",
    vocab_size: 300,
    hidden_size: 64,
    intermediate_size: 172,
    num_hidden_layers: 2,
    num_attention_heads: 8,
    num_key_value_heads: 2,
    max_position_embeddings: 512,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    bos_token_id: 299,
    eos_token_id: 299,
    tie_word_embeddings: true,
  };
  // The one line a malformed config gives (a UserError: the CLI prints it, no stack trace).
  function oneLine(json: unknown): string {
    try {
      parseLlamaConfig(json, "llama/config.json");
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      const message = (e as Error).message;
      expect(message).not.toContain("\n");
      return message.replace("llama/config.json: invalid Llama config: ", "");
    }
    throw new Error("the config was accepted");
  }

  it("accepts a Llama config and fills Hugging Face's defaults", () => {
    const c = parseLlamaConfig({
      ...good,
      num_key_value_heads: undefined,
      rope_theta: undefined,
      rms_norm_eps: undefined,
    });
    expect(c.num_key_value_heads).toBe(8); // H_kv = H: multi-head attention
    expect(c.head_dim).toBe(8); // hidden_size / num_attention_heads
    expect([c.rope_theta, c.rms_norm_eps, c.rope_scaling]).toEqual([10000, 1e-6, null]);
    expect([c.hidden_act, c.attention_bias, c.mlp_bias]).toEqual(["silu", false, false]);
    // embed 300·64 (tied) + 2 · (q 64·64 + k, v 64·16 each + o 64·64 + MLP 3·64·172 + 2 norms 64) + norm 64
    expect(llamaParamCount(parseLlamaConfig(good))).toBe(
      300 * 64 + 2 * (2 * 4096 + 2 * 1024 + 3 * 64 * 172 + 128) + 64,
    );
  });

  it("reads rope_scaling's older `type` spelling and transformers 5's rope_parameters", () => {
    expect(parseLlamaConfig({ ...good, rope_scaling: { type: "linear", factor: 4 } }).rope_scaling).toEqual({
      rope_type: "linear",
      factor: 4,
    });
    const v5 = {
      ...good,
      rope_theta: undefined,
      rope_parameters: { rope_type: "yarn", rope_theta: 5e5, factor: 2 },
    };
    const c = parseLlamaConfig(v5);
    expect(c.rope_theta).toBe(5e5);
    expect(c.rope_scaling).toEqual({ rope_type: "yarn", factor: 2 });
  });

  const bad: [string, Record<string, unknown>, string][] = [
    [
      "heads that do not divide hidden_size",
      { num_attention_heads: 5 },
      "num_attention_heads: 5 does not divide hidden_size (64); use one of 1, 2, 4, 8, 16, 32 or 64",
    ],
    [
      "KV heads that do not divide the query heads",
      { num_key_value_heads: 3 },
      "num_key_value_heads: 3 does not divide num_attention_heads (8); use one of 1, 2, 4 or 8",
    ],
    [
      "more KV heads than query heads",
      { num_key_value_heads: 16 },
      "num_key_value_heads: 16 does not divide num_attention_heads (8); use one of 1, 2, 4 or 8",
    ],
    [
      "an odd head dimension",
      { hidden_size: 24 },
      "num_attention_heads: 8 gives head_dim = hidden_size / num_attention_heads = 3, which must be even (RoPE rotates pairs of features)",
    ],
    [
      "rope_theta = 0",
      { rope_theta: 0 },
      "rope_theta: must be > 0: RoPE's base, θ_i = rope_theta^(−2i/d) (10000 in Llama 2)",
    ],
    [
      "rope_theta < 0",
      { rope_theta: -1 },
      "rope_theta: must be > 0: RoPE's base, θ_i = rope_theta^(−2i/d) (10000 in Llama 2)",
    ],
    [
      "hidden_size = 0",
      { hidden_size: 0 },
      "hidden_size: must be a whole number > 0 (the residual stream width), got 0",
    ],
    [
      "a negative intermediate_size",
      { intermediate_size: -3 },
      "intermediate_size: must be a whole number > 0 (the MLP width), got -3",
    ],
    [
      "a fractional layer count",
      { num_hidden_layers: 1.5 },
      "num_hidden_layers: must be a whole number > 0 (decoder blocks), got 1.5",
    ],
    [
      "a missing vocab_size",
      { vocab_size: undefined },
      "vocab_size: is missing: a whole number > 0 (rows of embed_tokens)",
    ],
    [
      "eos beyond the vocabulary",
      { eos_token_id: [2, 300] },
      "eos_token_id: 300 must be < vocab_size (300): ids are 0 … 299",
    ],
    [
      "10 million layers (the parameter limit, before anything is allocated)",
      { num_hidden_layers: 1e7 },
      `the model would have 4.339e+11 parameters, above the course's limit of ${LLAMA_LIMITS.maxParams} (2^28, 1 GiB of float32); make hidden_size, intermediate_size, num_hidden_layers or vocab_size smaller`,
    ],
    [
      "a context of 1e9 positions",
      { max_position_embeddings: 1e9 },
      "max_position_embeddings: 1000000000 is above the course's limit; use at most 131072",
    ],
    [
      "a KV cache too large for one sequence",
      { num_hidden_layers: 64, num_key_value_heads: 8, max_position_embeddings: 131072 },
      "a KV cache for one sequence of max_position_embeddings (131072) needs 1.074e+9 floats, above the course's limit of 268435456 (2^28); make max_position_embeddings or num_key_value_heads smaller",
    ],
    [
      "an unsupported rope_type",
      { rope_scaling: { rope_type: "longrope", factor: 2 } },
      'rope_scaling.rope_type: "longrope" is not supported here; use "linear", "dynamic", "yarn" or "llama3" (or rope_scaling: null)',
    ],
    [
      "a scaling without a factor",
      { rope_scaling: { rope_type: "linear" } },
      'rope_scaling: rope_type "linear" needs a factor (new context / trained context)',
    ],
    [
      "a scaling factor below 1",
      { rope_scaling: { rope_type: "yarn", factor: 0.5 } },
      "rope_scaling.factor: must be ≥ 1 (new context / trained context); 1 means no scaling",
    ],
    [
      "llama3 scaling without its original context",
      { rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4 } },
      'rope_scaling: rope_type "llama3" needs original_max_position_embeddings',
    ],
    [
      "attention biases",
      { attention_bias: true },
      "attention_bias: must be false: the specimen's q/k/v/o_proj have no bias",
    ],
    ["a GELU MLP", { hidden_act: "gelu" }, 'hidden_act: must be "silu": the Llama MLP is SwiGLU'],
    ["a GPT-2 config", { model_type: "gpt2" }, 'model_type: must be "llama" (this is a Llama config)'],
  ];
  for (const [what, change, line] of bad)
    it(`${what}: one line`, () => {
      expect(oneLine({ ...good, ...change })).toBe(line);
    });

  it("a file that is not an object: one line", () => {
    expect(oneLine([1, 2])).toBe('expected a JSON object { "model_type": "llama", … }');
  });
});
