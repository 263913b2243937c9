import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { geluTanh, layerNorm, matmul, matmulTransB, softmax, tensor, type Tensor } from "@llm-labs/tensor";
import { forward, logits, type GPT } from "../src/gpt.ts";
import { generate } from "../src/generate.ts";
import { KVCache } from "../src/kv-cache.ts";
import { viewParams } from "../src/params.ts";
import { forwardWithLinears } from "../src/forward-linears.ts";
import {
  forwardPass,
  gptAttentionProbs,
  gptBlockForward,
  type AttentionHook,
  type LayerActs,
  type LinearHook,
} from "../src/forward.ts";
import { attentionForward } from "../src/layers.ts";
import { linearForward } from "../src/linear.ts";
import { maxAbsDiff, randomModel, tinyConfig as config } from "./helpers.ts";

const model = randomModel(config, 7);

// An independent restatement of GPT-2's forward for ONE sequence, written with
// @llm-labs/tensor's ops (which are themselves checked against ONNX Runtime) and
// HF-named weights looked up by name: a different code path from src/gpt.ts.
function reference(m: GPT, ids: number[]): Float32Array {
  const c = m.config;
  const T = ids.length;
  const C = c.n_embd;
  const H = c.n_head;
  const hs = C / H;
  const W = viewParams(c, m.params.flat).byName;
  const t = (name: string, shape: number[]): Tensor => tensor(Float32Array.from(W.get(name)!), shape);
  const addBias = (x: Tensor, b: Tensor) =>
    tensor(
      x.data.map((v, i) => v + b.data[i % b.data.length]),
      x.shape,
    );
  const add = (a: Tensor, b: Tensor) =>
    tensor(
      a.data.map((v, i) => v + b.data[i]),
      a.shape,
    );
  let x = tensor(new Float32Array(T * C), [T, C]);
  for (let i = 0; i < T; i++)
    for (let j = 0; j < C; j++)
      x.data[i * C + j] =
        W.get("transformer.wte.weight")![ids[i] * C + j] + W.get("transformer.wpe.weight")![i * C + j];
  for (let l = 0; l < c.n_layer; l++) {
    const p = `transformer.h.${l}.`;
    const h1 = layerNorm(x, t(p + "ln_1.weight", [C]), t(p + "ln_1.bias", [C]));
    const qkv = addBias(
      matmul(h1, t(p + "attn.c_attn.weight", [C, 3 * C])),
      t(p + "attn.c_attn.bias", [3 * C]),
    );
    const y = new Float32Array(T * C);
    for (let h = 0; h < H; h++) {
      const slice = (off: number) => {
        const out = new Float32Array(T * hs);
        for (let i = 0; i < T; i++)
          for (let j = 0; j < hs; j++) out[i * hs + j] = qkv.data[i * 3 * C + off + h * hs + j];
        return tensor(out, [T, hs]);
      };
      const q = slice(0);
      const k = slice(C);
      const v = slice(2 * C);
      const s = matmulTransB(q, k);
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) s.data[i * T + j] = j > i ? -Infinity : s.data[i * T + j] / Math.sqrt(hs);
      const o = matmul(softmax(s), v);
      for (let i = 0; i < T; i++) for (let j = 0; j < hs; j++) y[i * C + h * hs + j] = o.data[i * hs + j];
    }
    x = add(
      x,
      addBias(matmul(tensor(y, [T, C]), t(p + "attn.c_proj.weight", [C, C])), t(p + "attn.c_proj.bias", [C])),
    );
    const h2 = layerNorm(x, t(p + "ln_2.weight", [C]), t(p + "ln_2.bias", [C]));
    const f = geluTanh(
      addBias(matmul(h2, t(p + "mlp.c_fc.weight", [C, 4 * C])), t(p + "mlp.c_fc.bias", [4 * C])),
    );
    x = add(x, addBias(matmul(f, t(p + "mlp.c_proj.weight", [4 * C, C])), t(p + "mlp.c_proj.bias", [C])));
  }
  const hf = layerNorm(x, t("transformer.ln_f.weight", [C]), t("transformer.ln_f.bias", [C]));
  return matmulTransB(hf, t("transformer.wte.weight", [c.vocab_size, C])).data;
}

// Float32 throughout; logits here are O(1) (weights ~ N(0, 0.3²)), so a few
// ulps of accumulated rounding from different summation orders stay near 1e-6,
// while a wrong index, mask or scale moves logits by 1e-2 or more.
const TOL = 1e-5;

const seqA = [3, 17, 5, 39, 0, 22, 8, 8, 11];
const seqB = [1, 2, 3, 4, 5, 6, 7, 8, 9];

describe("GPT forward", () => {
  it("matches a restatement with @llm-labs/tensor ops", () => {
    expect(maxAbsDiff(logits(model, [seqA]), reference(model, seqA))).toBeLessThan(TOL);
  });

  it("batched [B, T] equals each sequence alone", () => {
    const both = logits(model, [seqA, seqB]);
    const n = seqA.length * config.vocab_size;
    expect(maxAbsDiff(both.subarray(0, n), reference(model, seqA))).toBeLessThan(TOL);
    expect(maxAbsDiff(both.subarray(n), reference(model, seqB))).toBeLessThan(TOL);
  });

  it("is causal: logits at t do not depend on tokens after t", () => {
    const a = logits(model, [seqA]);
    const b = logits(model, [[...seqA.slice(0, 4), 30, 31, 32, 33, 34]]);
    const n = 4 * config.vocab_size;
    expect(maxAbsDiff(a.subarray(0, n), b.subarray(0, n))).toBe(0);
    expect(maxAbsDiff(a.subarray(n), b.subarray(n))).toBeGreaterThan(1e-3);
  });

  it("KV cache: prefill + one-token steps give the same logits as the full forward", () => {
    const full = logits(model, [seqA, seqB]);
    const cache = KVCache.for(config, 2);
    const V = config.vocab_size;
    const T = seqA.length;
    const got = new Float32Array(2 * T * V);
    const pre = forwardPass(model, [...seqA.slice(0, 4), ...seqB.slice(0, 4)], 2, 4, { cache });
    for (let b = 0; b < 2; b++) got.set(pre.subarray(b * 4 * V, (b + 1) * 4 * V), b * T * V);
    for (let t = 4; t < T; t++) {
      const step = forwardPass(model, [seqA[t], seqB[t]], 2, 1, { cache });
      got.set(step.subarray(0, V), t * V);
      got.set(step.subarray(V), (T + t) * V);
    }
    expect(cache.length).toBe(T);
    expect(maxAbsDiff(got, full)).toBeLessThan(TOL);
  });

  it("rejects token ids outside the vocabulary, naming the id and where it is", () => {
    expect(() => logits(model, [[1, 2, 40]])).toThrow(
      /token id 40 at \[batch 0, position 2\] is out of range: vocab_size is 40/,
    );
    expect(() => logits(model, [[1, -1]])).toThrow(/token id -1 at \[batch 0, position 1\]/);
    expect(() => forwardPass(model, [2.5], 1, 1, { cache: KVCache.for(config) })).toThrow(/token id 2.5/);
  });

  it("rejects sequences longer than n_positions and a full cache", () => {
    const long = Array.from({ length: 33 }, () => 1);
    expect(() => logits(model, [long])).toThrow(/sequence length 33 is longer than n_positions \(32\)/);
    const cache = KVCache.for(config);
    forwardPass(model, long.slice(0, 32), 1, 32, { cache });
    expect(() => forwardPass(model, [1], 1, 1, { cache })).toThrow(
      /32 cached \+ 1 new positions exceed n_positions \(32\)/,
    );
    const small = KVCache.for(config, 1, 4);
    expect(() => forwardPass(model, [1, 2, 3, 4, 5], 1, 5, { cache: small })).toThrow(
      /0 cached \+ 5 new positions exceed the capacity 4/,
    );
  });

  it("rejects ragged batches", () => {
    expect(() => logits(model, [[1, 2], [3]])).toThrow(/same length/);
    expect(() => forward(model, [1, 2, 3], 2, 2)).toThrow(/expected B·T = 2·2 = 4 token ids, got 3/);
  });
});

describe("forwardWithLinears", () => {
  const B = 2;
  const T = 5;
  const ids = Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % config.vocab_size);

  it("with y = x·W + b as the hook, gives forward's logits bit for bit, batched", () => {
    const plain: LinearHook = (_l, _name, x, rows, K, N, W) => {
      const y = new Float32Array(rows * N);
      linearForward(y, x, W.weight, W.bias, rows, K, N);
      return y;
    };
    expect(Array.from(forwardWithLinears(model, ids, B, T, plain))).toEqual(
      Array.from(forward(model, ids, B, T).logits),
    );
  });

  it("calls the hook for each layer's four linears, in order, with their shapes; what it returns is used", () => {
    const C = config.n_embd;
    const seen: string[] = [];
    const zero: LinearHook = (l, name, x, rows, K, N, W) => {
      seen.push(`${l}.${name} ${rows}×${K}→${N}`);
      expect(x.length).toBe(rows * K);
      expect(W.weight.length).toBe(K * N);
      return new Float32Array(rows * N);
    };
    const out = forwardWithLinears(model, ids, B, T, zero);
    const shapes = [
      `c_attn ${B * T}×${C}→${3 * C}`,
      `attn_c_proj ${B * T}×${C}→${C}`,
      `c_fc ${B * T}×${C}→${4 * C}`,
      `mlp_c_proj ${B * T}×${4 * C}→${C}`,
    ];
    expect(seen).toEqual(
      Array.from({ length: config.n_layer }, (_, l) => shapes.map((s) => `${l}.${s}`)).flat(),
    );
    // Every linear returning zeros leaves the residual stream to the embeddings
    // alone, so the logits differ from the real forward's.
    expect(maxAbsDiff(out, forward(model, ids, B, T).logits)).toBeGreaterThan(1e-3);
  });

  it("refuses ids that are not B·T long", () => {
    expect(() => forwardWithLinears(model, ids.slice(1), B, T, () => new Float32Array())).toThrow(
      /expected B·T = 2·5 = 10 token ids, got 9/,
    );
  });
});

describe("forwardPass hooks", () => {
  const B = 2;
  const T = 6;
  const ids = Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % config.vocab_size);

  it("the attention hook is called once per layer over the chunk's own keys, and what it returns is used", () => {
    const calls: string[] = [];
    const spy: AttentionHook = (l, q, store, b, t, H) => {
      calls.push(`${l}: ${b}×${t}, ${H} heads, ${store.length} stored before`);
      const out = new Float32Array(q.length);
      attentionForward(out, q, store, l, b, t, H);
      return out;
    };
    const withSpy = forwardPass(model, ids, B, T, { attention: spy });
    expect(calls).toEqual(
      Array.from({ length: config.n_layer }, () => `0: ${B}×${T}, ${config.n_head} heads, 0 stored before`),
    );
    expect(Array.from(withSpy)).toEqual(Array.from(forwardPass(model, ids, B, T)));
    const zeros = forwardPass(model, ids, B, T, { attention: (_l, q) => new Float32Array(q.length) });
    expect(maxAbsDiff(zeros, withSpy)).toBeGreaterThan(1e-3);
  });

  it("keeps activations that hold the logits it returns, with causal attention rows that sum to 1", () => {
    const a = forward(model, ids, B, T);
    expect(Array.from(a.logits)).toEqual(Array.from(forwardPass(model, ids, B, T)));
    // every attention row sums to 1 over the positions it may see, and is 0 after them
    const att = a.layers[0].att;
    for (let t = 0; t < T; t++) {
      const row = att.subarray(t * T, (t + 1) * T);
      expect(Array.from(row).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      for (let j = t + 1; j < T; j++) expect(row[j]).toBe(0);
    }
  });
});

// The block loop's body, called alone: what activation recomputation (lab 08) relies on.
describe("gptBlockForward and gptAttentionProbs", () => {
  const B = 2;
  const T = 6;
  const ids = Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % config.vocab_size);
  const a = forward(model, ids, B, T);
  // a fresh LayerActs, every buffer NaN, so a field the block forgets to write shows
  const fresh = (keepAtt: boolean): LayerActs => {
    const like = a.layers[1];
    const out = {} as Record<string, Float32Array>;
    for (const [k, v] of Object.entries(like))
      out[k] = new Float32Array(k === "att" && !keepAtt ? 0 : v.length).fill(NaN);
    return out as unknown as LayerActs;
  };

  it("run again on a block's kept input, writes every kept activation again, bit for bit", () => {
    const L = fresh(true);
    const out = gptBlockForward(model, 1, a.layers[0].res3, L, B, T);
    expect(out).toBe(L.res3);
    for (const [k, v] of Object.entries(a.layers[1]))
      expect(Array.from(L[k as keyof LayerActs]), k).toEqual(Array.from(v));
  });

  it("with no room for the probabilities (att of length 0), computes the same block output", () => {
    const L = fresh(false);
    gptBlockForward(model, 1, a.layers[0].res3, L, B, T);
    expect(Array.from(L.res3)).toEqual(Array.from(a.layers[1].res3));
    expect(L.att.length).toBe(0);
  });

  it("recomputes the kept attention probabilities from qkv alone, bit for bit", () => {
    for (let l = 0; l < config.n_layer; l++) {
      const P = new Float32Array(B * config.n_head * T * T).fill(NaN);
      gptAttentionProbs(P, a.layers[l].qkv, B, T, config.n_head, config.n_embd / config.n_head);
      expect(Array.from(P)).toEqual(Array.from(a.layers[l].att));
    }
  });

  // By hand, one head of d = 2 (scale 1/√2), T = 2: q_1 = [1, 1], k_0 = [0, 0], k_1 = [1, 1]:
  //   scores of row 1: [0, 2/√2 = √2] → P = [1, e^√2] / (1 + e^√2) = [0.19557, 0.80443]
  //   row 0 sees only itself: P = [1, 0]
  it("is softmax(q·k/√d) over the causal positions, worked by hand", () => {
    // qkv rows [q | k | v], each of width H·d = 2
    const qkv = Float32Array.from([0, 0, 0, 0, 9, 9, 1, 1, 1, 1, 9, 9]);
    const P = new Float32Array(4);
    gptAttentionProbs(P, qkv, 1, 2, 1, 2);
    expect(P[0]).toBe(1);
    expect(P[1]).toBe(0);
    expect(P[2]).toBeCloseTo(0.19557, 5);
    expect(P[3]).toBeCloseTo(0.80443, 5);
  });
});

// Grouped-query attention by hand: 4 query heads over 2 key/value heads, d = 1,
// one sequence of two positions. Heads 0 and 1 read kv head 0, heads 2 and 3 kv head 1.
//   kv head 0: k = [1, 2], v = [10, 20];  kv head 1: k = [0, 1], v = [30, 40]
//   query row t = 1 (it sees positions 0 and 1), q = [1, 0, 2, 0] · √1:
//     head 0: scores [1, 2] → softmax [e¹, e²]/(e¹+e²) = [0.2689, 0.7311] → 10·0.2689 + 20·0.7311 = 17.311
//     head 1: scores [0, 0] → [½, ½] → 15
//     head 2: scores [0, 2] → [0.1192, 0.8808] → 30·0.1192 + 40·0.8808 = 38.808
//     head 3: scores [0, 0] → 35
describe("attentionForward", () => {
  it("lets a group of query heads share one key/value head (GQA), as worked by hand", () => {
    const store = new KVCache(1, 2, 1, 2);
    // k, v [B=1, T=2, 2 kv heads · d=1]: row t = [head 0, head 1]
    store.append(0, Float32Array.from([1, 0, 2, 1]), Float32Array.from([10, 30, 20, 40]), 1, 2);
    const q = Float32Array.from([0, 0, 0, 0, 1, 0, 2, 0]); // [T=2, 4 heads · 1]
    const out = new Float32Array(8);
    attentionForward(out, q, store, 0, 1, 2, 4);
    const s = (a: number, b: number) => Math.exp(a) / (Math.exp(a) + Math.exp(b));
    expect(out[4]).toBeCloseTo(10 * s(1, 2) + 20 * s(2, 1), 5);
    expect(out[4]).toBeCloseTo(17.311, 3);
    expect(out[5]).toBeCloseTo(15, 5);
    expect(out[6]).toBeCloseTo(38.808, 3);
    expect(out[7]).toBeCloseTo(35, 5);
    // row 0 sees only position 0: every head returns its kv head's first value
    expect(Array.from(out.subarray(0, 4))).toEqual([10, 10, 30, 30]);
  });
});

describe("attention probabilities after a cache", () => {
  it("are kept as [B, H, T, p0 + T]: each row sums to 1 over the p0 + t + 1 keys it sees", () => {
    const m = randomModel(config, 21, 0.5);
    const H = config.n_head;
    const d = config.n_embd / H;
    const cache = new KVCache(config.n_layer, H, d, 5, 1);
    forwardPass(m, [1, 2, 3], 1, 3, { cache }); // p0 = 3
    const rng = new Rng(2);
    const k = Float32Array.from({ length: 2 * config.n_embd }, () => rng.normal(0, 1));
    cache.append(0, k, k, 1, 2);
    const q = Float32Array.from({ length: 2 * config.n_embd }, () => rng.normal(0, 1));
    const probs = new Float32Array(H * 2 * 5);
    attentionForward(new Float32Array(2 * config.n_embd), q, cache, 0, 1, 2, H, probs);
    for (let h = 0; h < H; h++)
      for (let t = 0; t < 2; t++) {
        const row = probs.subarray((h * 2 + t) * 5, (h * 2 + t + 1) * 5);
        const seen = row.subarray(0, 3 + t + 1).reduce((a, b) => a + b, 0);
        expect(seen).toBeCloseTo(1, 6);
        expect(Array.from(row.subarray(3 + t + 1))).toEqual(new Array(1 - t).fill(0));
      }
  });
});

describe("generate after a cache the caller filled", () => {
  it("continues [a, b] exactly as generating from [a, b] itself", () => {
    const m = randomModel(config, 31, 0.5);
    const H = config.n_head;
    const d = config.n_embd / H;
    const whole = generate(m, [1, 2, 3], { maxNewTokens: 3, stopAtEos: false });
    const cache = new KVCache(config.n_layer, H, d, 8, 1);
    forwardPass(m, [1, 2], 1, 2, { cache }); // the first two tokens, as a prefix
    expect(generate(m, [3], { maxNewTokens: 3, stopAtEos: false, cache })).toEqual(whole);
  });

  it("refuses a prompt that would run past the positions after the cache", () => {
    const m = randomModel(config, 31, 0.5);
    const P = config.n_positions - 2;
    const cache = new KVCache(
      config.n_layer,
      config.n_head,
      config.n_embd / config.n_head,
      config.n_positions,
      1,
    );
    forwardPass(
      m,
      Array.from({ length: P }, (_, i) => i % 5),
      1,
      P,
      { cache },
    );
    expect(() => generate(m, [1, 2, 3], { maxNewTokens: 1, cache })).toThrow(
      `generate: ${P} cached + 3 prompt tokens exceed n_positions (${config.n_positions})`,
    );
  });
});
