import { describe, expect, it } from "vitest";
import { forward } from "@llm-labs/model";
import { attendHeads, multiHeadAttention } from "../src/multi-head.ts";
import { ortMultiHeadAttention } from "../src/ort-reference.ts";
import { maxAbsDiff, PROMPT, randomArray, targetModel } from "./util.ts";

describe("exercise: multi-head", () => {
  // The specimen (packages/model, layers.ts attentionForward) computes the same
  // sublayer independently; forward() keeps its input (ln1) and outputs (atty, attproj).
  const model = targetModel();
  const { n_embd: C, n_head: H } = model.config;
  const T = PROMPT.length;
  const acts = forward(model, PROMPT, 1, T);

  it("equals the specimen's attention sublayer in every layer of the target, within 1e-5 (float32)", () => {
    for (let l = 0; l < model.config.n_layer; l++) {
      const L = acts.layers[l];
      const ours = multiHeadAttention(Float32Array.from(L.ln1), model.params.h[l], T, C, H);
      expect(maxAbsDiff(ours, L.attproj), `layer ${l}`).toBeLessThan(1e-5);
    }
  });
  it("gives each head's attention weights, equal to the specimen's saved probabilities", () => {
    const probs = Array.from({ length: H }, () => new Float32Array(T * T));
    const heads = attendHeads(Float32Array.from(acts.layers[2].qkv), T, C, H, probs);
    expect(maxAbsDiff(heads, acts.layers[2].atty)).toBeLessThan(1e-5);
    for (let h = 0; h < H; h++)
      expect(maxAbsDiff(probs[h], acts.layers[2].att.subarray(h * T * T, (h + 1) * T * T))).toBeLessThan(
        1e-6,
      );
  });
  it("equals com.microsoft MultiHeadAttention in ONNX Runtime (4 heads of 32, causal) on random inputs", async () => {
    const T2 = 12;
    const C2 = 128;
    const H2 = 4;
    const q = randomArray(T2 * C2, 7);
    const k = randomArray(T2 * C2, 8);
    const v = randomArray(T2 * C2, 9);
    const qkv = new Float32Array(T2 * 3 * C2);
    for (let t = 0; t < T2; t++) {
      qkv.set(q.subarray(t * C2, (t + 1) * C2), t * 3 * C2);
      qkv.set(k.subarray(t * C2, (t + 1) * C2), t * 3 * C2 + C2);
      qkv.set(v.subarray(t * C2, (t + 1) * C2), t * 3 * C2 + 2 * C2);
    }
    const ours = attendHeads(qkv, T2, C2, H2);
    const ort = await ortMultiHeadAttention(q, k, v, T2, H2, C2 / H2);
    expect(maxAbsDiff(ours, ort)).toBeLessThan(1e-5);
  });
  it("says clearly when the heads do not divide the width", () => {
    expect(() => attendHeads(new Float32Array(3 * 128), 1, 128, 3)).toThrow(
      /3 heads do not divide the model width 128/,
    );
  });
});
