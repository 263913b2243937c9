import { describe, expect, it } from "vitest";
import { forward } from "@llm-labs/model";
import { causalMask, scaledDotProductAttention } from "../src/attention.ts";
import { columns } from "../src/multi-head.ts";
import { groupedQueryAttention, meanPoolKVHeads } from "../src/gqa.ts";
import { ortAttention } from "../src/ort-reference.ts";
import { maxAbsDiff, PROMPT, randomArray, targetModel } from "./util.ts";

describe("exercise: gqa-group", () => {
  const T = 10;
  const Hq = 4;
  const d = 8;
  const q = randomArray(T * Hq * d, 21);

  it("with as many KV heads as query heads it is multi-head attention (head by head)", () => {
    const k = randomArray(T * Hq * d, 22);
    const v = randomArray(T * Hq * d, 23);
    const out = groupedQueryAttention(q, k, v, T, Hq, Hq, d);
    for (let h = 0; h < Hq; h++) {
      const ref = scaledDotProductAttention(
        columns(q, T, Hq * d, h * d, d),
        columns(k, T, Hq * d, h * d, d),
        columns(v, T, Hq * d, h * d, d),
        T,
        T,
        d,
        causalMask(T, T),
      );
      expect(maxAbsDiff(columns(out, T, Hq * d, h * d, d), ref), `head ${h}`).toBeLessThan(1e-6);
    }
  });
  for (const Hkv of [2, 1]) {
    it(`equals ONNX Runtime's Attention (opset 23) with q_num_heads 4, kv_num_heads ${Hkv}${Hkv === 1 ? " (MQA)" : ""}`, async () => {
      const k = randomArray(T * Hkv * d, 24);
      const v = randomArray(T * Hkv * d, 25);
      const ours = groupedQueryAttention(q, k, v, T, Hq, Hkv, d);
      const ort = await ortAttention(q, k, v, T, Hq, Hkv, d);
      expect(maxAbsDiff(ours, ort)).toBeLessThan(1e-5);
    });
  }
  it("says clearly when KV heads do not divide query heads", () => {
    expect(() => groupedQueryAttention(q, q, q, T, 4, 3, d)).toThrow(
      /3 KV heads do not divide 4 query heads/,
    );
  });
});

describe("exercise: gqa-mean-pool", () => {
  const model = targetModel();
  const C = model.config.n_embd;
  const d = C / model.config.n_head;

  it("replaces the K and V columns of heads 0 and 1 by their mean; Q is untouched", () => {
    const pooled = meanPoolKVHeads(model, 2);
    const W0 = model.params.h[1].c_attn.weight;
    const W = pooled.params.h[1].c_attn.weight;
    const b0 = model.params.h[1].c_attn.bias;
    const b = pooled.params.h[1].c_attn.bias;
    for (const [r, part, e] of [
      [0, 1, 0],
      [17, 1, 31],
      [127, 2, 5],
    ]) {
      const c0 = part * C + e;
      const c1 = part * C + d + e; // head 0 and head 1, same element
      const mean = (W0[r * 3 * C + c0] + W0[r * 3 * C + c1]) / 2;
      expect(W[r * 3 * C + c0]).toBeCloseTo(mean, 6);
      expect(W[r * 3 * C + c1]).toBeCloseTo(mean, 6);
      expect(b[c0]).toBeCloseTo((b0[c0] + b0[c1]) / 2, 6);
      expect(W[r * 3 * C + e]).toBe(W0[r * 3 * C + e]); // a query column
    }
    expect(model.params.h[1].c_attn.weight[C]).toBe(W0[C]); // the original is not modified
  });
  it("the converted model's attention = our GQA attention with only 2 KV heads (the specimen computes the first)", () => {
    const pooled = meanPoolKVHeads(model, 2);
    const T = PROMPT.length;
    const L = forward(pooled, PROMPT, 1, T).layers[0];
    const qkv = Float32Array.from(L.qkv);
    const q = columns(qkv, T, 3 * C, 0, C);
    // keep only one head per group: heads 0 and 2
    const k = new Float32Array(T * 2 * d);
    const v = new Float32Array(T * 2 * d);
    for (const [g, h] of [
      [0, 0],
      [1, 2],
    ]) {
      const kh = columns(qkv, T, 3 * C, C + h * d, d);
      const vh = columns(qkv, T, 3 * C, 2 * C + h * d, d);
      for (let t = 0; t < T; t++) {
        k.set(kh.subarray(t * d, (t + 1) * d), (t * 2 + g) * d);
        v.set(vh.subarray(t * d, (t + 1) * d), (t * 2 + g) * d);
      }
    }
    expect(maxAbsDiff(groupedQueryAttention(q, k, v, T, 4, 2, d), L.atty)).toBeLessThan(1e-5);
  });
  it("with 4 KV heads (no pooling) the weights are unchanged", () => {
    expect(maxAbsDiff(meanPoolKVHeads(model, 4).params.flat, model.params.flat)).toBe(0);
  });
});
