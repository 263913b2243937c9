import { describe, expect, it } from "vitest";
import { KVCache as SpecimenKVCache, forwardPass } from "@llm-labs/model";
import { argmax } from "@llm-labs/tensor";
import { KVCache, forwardWithCache } from "../src/kv-cache.ts";
import { kvBytesPerToken, kvCacheBytes, kvShapeOf } from "../src/kv-bytes.ts";
import { maxAbsDiff, PROMPT, llamaModel, targetModel } from "./util.ts";

// The Llama specimen (checkpoints/llama/config.json): num_hidden_layers 4,
// num_attention_heads 8, num_key_value_heads 2, head_dim 16, max_position_embeddings 512.
describe("the Llama specimen: a real GQA cache", () => {
  const llama = llamaModel();
  const allocated = (c: { keys: ArrayLike<number>[]; values: ArrayLike<number>[] }) =>
    [...c.keys, ...c.values].reduce((n, a) => n + (a as Float32Array).byteLength, 0);

  it("2·4·2·16·4 = 1,024 bytes per token, exactly what the specimen's own KVCache allocates per position", () => {
    const s = kvShapeOf(llama.config, "llama");
    expect(kvBytesPerToken(s)).toBe(1_024);
    const cache = SpecimenKVCache.for(llama.config); // what generate() and forwardPass use
    expect(cache.heads).toBe(2);
    expect(cache.capacity).toBe(512);
    expect(allocated(cache) / cache.capacity).toBe(kvBytesPerToken(s));
    // the full 512-token context: 1,024 · 512 = 524,288 bytes = 512 KiB
    expect(allocated(cache)).toBe(524_288);
    expect(kvCacheBytes(s, 512, 1)).toBe(524_288);
  });

  it("lab 02's KVCache.for allocates the same 2 KV heads for the Llama", () => {
    const ours = KVCache.for(llama.config);
    expect([ours.layers, ours.heads, ours.d, ours.capacity]).toEqual([4, 2, 16, 512]);
    expect(allocated(ours)).toBe(allocated(SpecimenKVCache.for(llama.config)));
  });

  it("with all 8 heads as KV heads (MHA) it would need 2·4·8·16·4 = 4,096 bytes per token, 4× more, as much as the GPT-2 target", () => {
    const gqa = kvShapeOf(llama.config, "llama");
    const mha = { ...gqa, kvHeads: llama.config.num_attention_heads };
    expect(kvBytesPerToken(mha)).toBe(4_096);
    expect(kvBytesPerToken(mha) / kvBytesPerToken(gqa)).toBe(4);
    // GPT-2 target: 2·4 layers·4 heads·32·4 = 4,096, the same width (128) and depth
    expect(kvBytesPerToken(kvShapeOf(targetModel().config, "target"))).toBe(4_096);
  });

  it("our cache and our attention (query head h reads KV head ⌊h/4⌋) reproduce the Llama's full forward at every decode step (≤ 1e-5)", () => {
    const V = llama.config.vocab_size;
    const cache = KVCache.for(llama.config, 96);
    const seq = [...PROMPT];
    const steps: Float32Array[] = [forwardWithCache(llama, seq, cache).slice((seq.length - 1) * V)];
    while (seq.length < 96) {
      seq.push(argmax(steps[steps.length - 1]));
      steps.push(forwardWithCache(llama, [seq[seq.length - 1]], cache));
    }
    // Reference: the specimen's own forward over the whole sequence, no cache and
    // its own GQA attention; by causality its row t is the recompute of prefix 0..t.
    const full = forwardPass(llama, seq, 1, seq.length) as Float32Array;
    let worst = 0;
    steps.forEach((s, i) => {
      const t = PROMPT.length - 1 + i;
      worst = Math.max(worst, maxAbsDiff(s, full.subarray(t * V, (t + 1) * V)));
    });
    expect(steps.length).toBe(96 - PROMPT.length + 1);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it("refuses a cache with the wrong number of KV heads, saying what the model needs", () => {
    const wrong = new KVCache(4, 8, 128, 16); // 8 heads: an MHA cache for a GQA model
    expect(() => forwardWithCache(llama, [1, 2], wrong)).toThrow(/needs 4 layers × 2 KV heads of 16/);
  });
});
