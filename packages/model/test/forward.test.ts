import { describe, expect, it } from "vitest";
import { geluTanh, layerNorm, matmul, matmulTransB, softmax, tensor, type Tensor } from "@llm-labs/tensor";
import { forward, logits, type GPT } from "../src/gpt.ts";
import { forwardCached, KVCache } from "../src/kv-cache.ts";
import { viewParams } from "../src/params.ts";
import { forwardWithLinears, type LinearHook } from "../src/forward-linears.ts";
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
    const cache = new KVCache(config, 2);
    const V = config.vocab_size;
    const T = seqA.length;
    const got = new Float32Array(2 * T * V);
    const pre = forwardCached(model, [...seqA.slice(0, 4), ...seqB.slice(0, 4)], 2, 4, cache);
    for (let b = 0; b < 2; b++) got.set(pre.subarray(b * 4 * V, (b + 1) * 4 * V), b * T * V);
    for (let t = 4; t < T; t++) {
      const step = forwardCached(model, [seqA[t], seqB[t]], 2, 1, cache);
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
    expect(() => forwardCached(model, [2.5], 1, 1, new KVCache(config, 1))).toThrow(/token id 2.5/);
  });

  it("rejects sequences longer than n_positions and a full cache", () => {
    const long = Array.from({ length: 33 }, () => 1);
    expect(() => logits(model, [long])).toThrow(/sequence length 33 is longer than n_positions \(32\)/);
    const cache = new KVCache(config, 1);
    forwardCached(model, long.slice(0, 32), 1, 32, cache);
    expect(() => forwardCached(model, [1], 1, 1, cache)).toThrow(
      /32 cached \+ 1 new positions exceed the cache capacity 32/,
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
