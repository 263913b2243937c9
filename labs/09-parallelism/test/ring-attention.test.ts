import { checkpointDir, forwardPass, heldoutTokens, loadLlamaCheckpoint, type Llama } from "@llm-labs/model";
import { maxAbsDiff, Rng, randn } from "@llm-labs/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import {
  blockAttention,
  emptyPartial,
  mergeAttention,
  multiHeadRingAttention,
  ringAttention,
  type PartialAttention,
} from "../src/ring-attention.ts";

const randomArray = (n: number, seed: number): Float32Array => randn(new Rng(seed), [n], 1).data;

// Causal softmax attention of one head by its definition, in float64 and in one piece:
// out_i = Σ_{j ≤ i} softmax_j(q_i·k_j / √d) · v_j over the whole row at once.
function causalAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  T: number,
  d: number,
): Float64Array {
  const out = new Float64Array(T * d);
  for (let i = 0; i < T; i++) {
    const s: number[] = [];
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let e = 0; e < d; e++) dot += q[i * d + e] * k[j * d + e];
      s.push(dot / Math.sqrt(d));
    }
    let max = -Infinity;
    for (const x of s) max = Math.max(max, x);
    let z = 0;
    for (const x of s) z += Math.exp(x - max);
    for (let j = 0; j <= i; j++)
      for (let e = 0; e < d; e++) out[i * d + e] += (Math.exp(s[j] - max) / z) * v[j * d + e];
  }
  return out;
}

// A partial state written out by hand: one value per row (d = 1 unless given).
const partial = (m: number[], l: number[], o: number[], d = 1): PartialAttention => ({
  rows: m.length,
  d,
  m: Float64Array.from(m),
  l: Float64Array.from(l),
  o: Float64Array.from(o),
});

// [T, H·d] (the forward loop's layout, head h in columns h·d …) ⇄ [H, T, d]
const toHeads = (x: Float32Array, T: number, H: number, d: number): Float32Array => {
  const y = new Float32Array(x.length);
  for (let t = 0; t < T; t++)
    for (let h = 0; h < H; h++) y.set(x.subarray((t * H + h) * d, (t * H + h + 1) * d), (h * T + t) * d);
  return y;
};
const fromHeads = (y: Float32Array, T: number, H: number, d: number): Float32Array => {
  const x = new Float32Array(y.length);
  for (let h = 0; h < H; h++)
    for (let t = 0; t < T; t++) x.set(y.subarray((h * T + t) * d, (h * T + t + 1) * d), (t * H + h) * d);
  return x;
};

describe("exercise: ring-attention-merge", () => {
  it("1 row, keys with scores [1, 2] and [3, 0]: the merge is softmax over all four, worked by hand", () => {
    // values v = [10, 20] and [30, 40], d = 1. Block A alone: m = 2, l = e^-1 + 1 = 1.367879,
    // o = 10·e^-1 + 20 = 23.678794. Block B alone: m = 3, l = 1 + e^-3 = 1.049787,
    // o = 30 + 40·e^-3 = 31.991483. Merged against m = 3, A's terms are scaled by e^(2-3):
    // l = e^-1·1.367879 + 1.049787 = e^-2 + e^-1 + 1 + e^-3 = 1.553002
    // o = e^-1·23.678794 + 31.991483 = 10e^-2 + 20e^-1 + 30 + 40e^-3 = 40.702424
    // out = o / l = 26.208871 = softmax([1, 2, 3, 0]) · [10, 20, 30, 40].
    const a = partial([2], [Math.exp(-1) + 1], [10 * Math.exp(-1) + 20]);
    const b = partial([3], [1 + Math.exp(-3)], [30 + 40 * Math.exp(-3)]);
    const ab = mergeAttention(a, b);
    expect(ab.m[0]).toBe(3);
    expect(ab.l[0]).toBeCloseTo(1.553002, 6);
    expect(ab.o[0]).toBeCloseTo(40.702424, 6);
    expect(ab.o[0] / ab.l[0]).toBeCloseTo(26.208871, 6);
    // and the softmax over the concatenated scores, computed directly
    const s = [1, 2, 3, 0];
    const z = s.reduce((acc, x) => acc + Math.exp(x), 0);
    const direct = s.reduce((acc, x, j) => acc + (Math.exp(x) / z) * [10, 20, 30, 40][j], 0);
    expect(ab.o[0] / ab.l[0]).toBeCloseTo(direct, 12);
  });

  it("merge(a, b) = merge(b, a); an empty partial changes nothing; a row empty on both sides stays empty", () => {
    const B = 6;
    const d = 4;
    const q = randomArray(B * d, 1);
    const a = blockAttention(q, randomArray(B * d, 2), randomArray(B * d, 3), B, d, false);
    const b = blockAttention(q, randomArray(B * d, 4), randomArray(B * d, 5), B, d, true);
    const ab = mergeAttention(a, b);
    const ba = mergeAttention(b, a);
    expect(Array.from(ab.m)).toEqual(Array.from(ba.m));
    expect(maxAbsDiff(ab.l, ba.l)).toBeLessThan(1e-12);
    expect(maxAbsDiff(ab.o, ba.o)).toBeLessThan(1e-12);
    const ae = mergeAttention(a, emptyPartial(B, d));
    expect(maxAbsDiff(ae.o, a.o)).toBe(0);
    expect(maxAbsDiff(ae.l, a.l)).toBe(0);
    // a query with no visible key yet (a causal row before its first key): no NaN
    const none = mergeAttention(emptyPartial(1, 2), emptyPartial(1, 2));
    expect([none.m[0], none.l[0], none.o[0], none.o[1]]).toEqual([-Infinity, 0, 0, 0]);
  });

  it("ring attention with N = 1, 2, 4, 8 ranks equals causal softmax attention by the definition", () => {
    // Both sides accumulate in float64, so they differ by the order of additions and the one
    // rounding of the output to float32 (|out| ≲ 3 here, 2⁻²⁴·3 ≈ 2e-7); 1e-5 leaves room.
    const T = 64;
    const d = 8;
    const q = randomArray(T * d, 11);
    const k = randomArray(T * d, 12);
    const v = randomArray(T * d, 13);
    const want = causalAttention(q, k, v, T, d);
    for (const ranks of [1, 2, 4, 8])
      expect(maxAbsDiff(ringAttention(q, k, v, { T, d, ranks }).out, want), `N = ${ranks}`).toBeLessThan(
        1e-5,
      );
  });

  describe("on the Llama specimen's layer 0 at its full 512-token context", () => {
    // packages/model/checkpoints/llama: D = 128, H = 8 query heads, H_kv = 2 key/value
    // heads, d = 16, context 512. Its layer-0 q, k, v (after RoPE) for 512 held-out tokens
    // are what the forward loop hands its attention hook. Layer 0's input is the embedding
    // alone, so a copy of the model cut to its first block gives them at a quarter the cost.
    const T = 512;
    let one: Llama;
    let ids: number[];
    let q: Float32Array; // [H, T, d]
    let k: Float32Array; // [H_kv, T, d]
    let v: Float32Array;
    let H: number;
    let Hkv: number;
    let d: number;
    const rings = new Map<number, ReturnType<typeof multiHeadRingAttention>>();
    const ring = (ranks: number) => {
      const r = rings.get(ranks) ?? multiHeadRingAttention(q, k, v, { H, T, d, ranks, kvHeads: Hkv });
      rings.set(ranks, r);
      return r;
    };
    beforeAll(async () => {
      const model = loadLlamaCheckpoint(checkpointDir("llama"));
      one = { config: model.config, params: { ...model.params, layers: model.params.layers.slice(0, 1) } };
      ({ num_attention_heads: H, num_key_value_heads: Hkv, head_dim: d } = model.config);
      ids = await heldoutTokens(T);
      forwardPass(one, ids, 1, T, {
        attention: (_layer, qAll, store) => {
          q = toHeads(qAll, T, H, d);
          k = new Float32Array(Hkv * T * d);
          v = new Float32Array(Hkv * T * d);
          for (let g = 0; g < Hkv; g++) {
            k.set(store.headKeys(0, 0, g, T), g * T * d); // [T, d] each, already rotated
            v.set(store.headValues(0, 0, g, T), g * T * d);
          }
          return new Float32Array(qAll.length); // what comes after layer 0's attention is not used
        },
      });
    });

    it("ring attention with N = 2 and 4 equals full causal attention on every head, within 1e-5", () => {
      // The inputs are the float32 q, k, v themselves; the ring accumulates in float64 like the
      // reference, so what is left is the order of additions (~1e-16) and rounding the output
      // to float32: |out| ≤ 1.4 here, half a float32 step below 2 is 2⁻²⁴ ≈ 6e-8 (measured
      // 5.2e-8 for both N). 1e-5 fails any real mistake (a merge without the rescale is off by 1.1).
      const n = T * d;
      const want = new Float64Array(H * n); // [H, T, d]
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / Hkv)); // 4 query heads share each key/value head
        want.set(causalAttention(q.subarray(h * n), k.subarray(g * n), v.subarray(g * n), T, d), h * n);
      }
      for (const ranks of [2, 4]) {
        const { out } = ring(ranks);
        expect(maxAbsDiff(out, want), `N = ${ranks}`).toBeLessThan(1e-5);
      }
    });

    it("bytes received per rank: 2·(N−1)·(T/N)·d·4 per head, by hand", () => {
      // N = 2: 2·1·256·16·4 = 32,768 B. N = 4: 2·3·128·16·4 = 49,152 B = 48 KiB, every rank
      // (rank 0 uses none of the blocks it forwards, but it still receives them).
      const n = T * d;
      const head = (ranks: number) =>
        ringAttention(q.subarray(0, n), k.subarray(0, n), v.subarray(0, n), { T, d, ranks });
      expect(head(1).bytesReceived).toEqual([0]);
      expect(head(2).bytesReceived).toEqual([32768, 32768]);
      expect(head(4).bytesReceived).toEqual([49152, 49152, 49152, 49152]);
      // all 8 query heads: only the 2 key/value heads travel, 2 · 48 KiB = 96 KiB a rank
      expect(ring(4).bytesReceived).toEqual([98304, 98304, 98304, 98304]);
    });

    it("as the forward loop's attention hook, ring attention (N = 4) gives the specimen's own logits", () => {
      const want = forwardPass(one, ids, 1, T);
      const got = forwardPass(one, ids, 1, T, {
        attention: (layer, qAll, store) => {
          const kk = new Float32Array(Hkv * T * d);
          const vv = new Float32Array(Hkv * T * d);
          for (let g = 0; g < Hkv; g++) {
            kk.set(store.headKeys(layer, 0, g, T), g * T * d);
            vv.set(store.headValues(layer, 0, g, T), g * T * d);
          }
          const { out } = multiHeadRingAttention(toHeads(qAll, T, H, d), kk, vv, {
            H,
            T,
            d,
            ranks: 4,
            kvHeads: Hkv,
          });
          return fromHeads(out, T, H, d);
        },
      });
      // Logits reach ±16, where one float32 step is 2⁻²⁰ ≈ 1e-6: o_proj, the MLP and the head
      // sum the (float64-accumulated) ring output in float32, so a few steps apart, not bit-equal.
      expect(maxAbsDiff(got, want)).toBeLessThan(2e-5);
    });
  });
});

describe("the ring's schedule", () => {
  it("N = 4: rank r holds block (r − t) mod 4 at step t and attends to r + 1 of them", () => {
    // step 0: every rank its own block (the diagonal); then each block moves one rank on.
    // Rank 3 uses blocks 3, 2, 1, 0; rank 0 uses only block 0 and idles three steps:
    // contiguous causal blocks leave the ring unbalanced (striped/zigzag layouts fix it).
    const T = 8;
    const d = 2;
    const x = randomArray(T * d, 7);
    const { schedule, tiles } = ringAttention(x, x, x, { T, d, ranks: 4 });
    expect(schedule).toEqual([
      [0, 1, 2, 3],
      [3, 0, 1, 2],
      [2, 3, 0, 1],
      [1, 2, 3, 0],
    ]);
    expect(tiles).toEqual([1, 2, 3, 4]);
  });
});

describe("bad input", () => {
  const x = new Float32Array(40);
  it("T not divisible by the ranks", () => {
    expect(() => ringAttention(x, x, x, { T: 10, d: 4, ranks: 4 })).toThrow(
      /^ringAttention: T = 10 is not divisible by ranks = 4$/,
    );
  });
  it("q, k or v of the wrong size, and mismatched partials", () => {
    expect(() => ringAttention(x.subarray(0, 12), x, x, { T: 10, d: 4, ranks: 2 })).toThrow(
      /^ringAttention: q has 12 values, expected T·d = 10·4 = 40$/,
    );
    expect(() => ringAttention(x, x, x.subarray(1), { T: 10, d: 4, ranks: 2 })).toThrow(
      /^ringAttention: v has 39 values/,
    );
    expect(() => ringAttention(x, x, x, { T: 10, d: 4, ranks: 0 })).toThrow(
      /ranks must be a positive integer, got 0/,
    );
    expect(() => mergeAttention(emptyPartial(2, 4), emptyPartial(3, 4))).toThrow(/shapes differ, 2×4 vs 3×4/);
    expect(() => multiHeadRingAttention(x, x, x, { H: 3, T: 10, d: 4, ranks: 2, kvHeads: 2 })).toThrow(
      /H = 3 heads is not a multiple of kvHeads = 2/,
    );
  });
});
