import { describe, expect, it } from "vitest";
import { KVCache } from "../src/kv-cache.ts";
import { KV_SHAPES, kvBytesPerToken, kvCacheBytes, type KVShape } from "../src/kv-bytes.ts";
import { targetModel } from "./util.ts";

const shape = (name: string): KVShape => KV_SHAPES.find((s) => s.name.startsWith(name))!;

describe("exercise: kv-bytes-formula", () => {
  it("LLaMA-2 7B in fp16: 2·32·32·128·2 = 524,288 bytes = 0.5 MiB per token", () => {
    expect(kvBytesPerToken(shape("LLaMA-2 7B"))).toBe(524_288);
    expect(kvBytesPerToken(shape("LLaMA-2 7B")) / 2 ** 20).toBe(0.5);
  });
  it("Llama 3 8B (8 KV heads, GQA): 2·32·8·128·2 = 131,072 bytes, 4× less than LLaMA-2 7B", () => {
    expect(kvBytesPerToken(shape("Llama 3 8B"))).toBe(131_072);
  });
  it("Qwen3 8B: 2·36·8·128·2 = 147,456 bytes", () => {
    expect(kvBytesPerToken(shape("Qwen3 8B"))).toBe(147_456);
  });
  it("an MQA model with one KV head and int8 elements: 2·24·1·64·1 = 3,072 bytes", () => {
    expect(
      kvBytesPerToken({ name: "toy", layers: 24, kvHeads: 1, headDim: 64, bytesPerElement: 1, source: "" }),
    ).toBe(3_072);
  });
  it("LLaMA-2 7B, 4,096 tokens, batch 8: 0.5 MiB · 4096 · 8 = 16 GiB", () => {
    expect(kvCacheBytes(shape("LLaMA-2 7B"), 4096, 8)).toBe(16 * 2 ** 30);
  });
  it("the specimen: 2·4·4·32·4 = 4,096 bytes per token, exactly what our KVCache allocates per position", () => {
    const s = shape("specimen");
    expect(kvBytesPerToken(s)).toBe(4_096);
    const cache = KVCache.for(targetModel().config);
    const allocated = [...cache.keys, ...cache.values].reduce((n, a) => n + a.byteLength, 0);
    expect(allocated / cache.capacity).toBe(kvBytesPerToken(s));
  });
});
