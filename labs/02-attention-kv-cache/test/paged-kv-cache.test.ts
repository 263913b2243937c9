import { describe, expect, it } from "vitest";
import { KVCache, forwardWithCache } from "../src/kv-cache.ts";
import { PagedKVCache } from "../src/paged-kv-cache.ts";
import { maxAbsDiff, PROMPT, targetModel } from "./util.ts";

describe("exercise: paged-append", () => {
  const model = targetModel();
  const { n_layer: L, n_head: H, n_embd: C, vocab_size: V } = model.config;
  const paged = () => new PagedKVCache({ layers: L, heads: H, headDim: C / H, blockSize: 8, numBlocks: 40 });

  it("allocates one block per blockSize tokens, from the free list", () => {
    const p = new PagedKVCache({ layers: 1, heads: 1, headDim: 2, blockSize: 4, numBlocks: 5 });
    const s = p.addSequence();
    p.reserve(s, 9); // 9 tokens → ⌈9/4⌉ = 3 blocks
    expect(p.blockTable(s)).toEqual([0, 1, 2]);
    expect(p.free).toEqual([4, 3]);
    expect(p.usedBlocks()).toBe(3);
    p.setLength(s, 9);
    expect(p.fragmentation()).toEqual({ allocated: 12, used: 9, wasted: 3 });
  });

  it("a fork shares blocks; writing into a shared block copies it first (copy-on-write)", () => {
    const p = new PagedKVCache({ layers: 1, heads: 1, headDim: 1, blockSize: 4, numBlocks: 6 });
    const a = p.addSequence();
    p.reserve(a, 6);
    p.setLength(a, 6);
    for (let pos = 0; pos < 6; pos++) p.keys[0][p.slot(a, pos, 0)] = 10 + pos;
    const b = p.fork(a);
    expect(p.blockTable(b)).toEqual([0, 1]);
    expect(Array.from(p.refCount.subarray(0, 2))).toEqual([2, 2]);
    p.reserve(b, 1); // position 6 is in logical block 1, shared → copy it
    expect(p.blockTable(b)).toEqual([0, 2]);
    expect(p.blockTable(a)).toEqual([0, 1]);
    expect(Array.from(p.refCount.subarray(0, 3))).toEqual([2, 1, 1]);
    expect(p.keys[0][p.slot(b, 5, 0)]).toBe(15); // the copy carries the old contents
    p.keys[0][p.slot(b, 6, 0)] = 99;
    expect(p.keys[0][p.slot(a, 5, 0)]).toBe(15);
    p.release(b);
    expect(p.refCount[2]).toBe(0);
    expect(p.free).toContain(2);
  });

  it("gives the same logits as the contiguous cache, for a prompt shared by two sequences that then diverge", () => {
    const p = paged();
    const a = p.addSequence();
    const refA = KVCache.for(model.config);
    const refB = KVCache.for(model.config);
    const prefill = forwardWithCache(model, PROMPT, p.view(a));
    expect(maxAbsDiff(prefill, forwardWithCache(model, PROMPT, refA))).toBe(0);
    forwardWithCache(model, PROMPT, refB);
    const b = p.fork(a);
    const before = p.usedBlocks();
    for (let s = 0; s < 12; s++) {
      const ta = 97 + s;
      const tb = 200 + 3 * s; // different continuations
      const la = forwardWithCache(model, [ta], p.view(a));
      const lb = forwardWithCache(model, [tb], p.view(b));
      expect(la.length).toBe(V);
      expect(maxAbsDiff(la, forwardWithCache(model, [ta], refA))).toBeLessThan(1e-6);
      expect(maxAbsDiff(lb, forwardWithCache(model, [tb], refB))).toBeLessThan(1e-6);
    }
    // PROMPT is 47 tokens: blocks 0-4 shared before the fork, the half-full block 5 is copied once
    expect(before).toBe(Math.ceil(PROMPT.length / 8));
    expect(p.copies).toBe(PROMPT.length % 8 === 0 ? 0 : 1);
  });

  it("rejects a block size of 0 and running out of blocks", () => {
    expect(() => new PagedKVCache({ layers: 1, heads: 1, headDim: 1, blockSize: 0, numBlocks: 4 })).toThrow(
      /block size must be a positive integer, got 0/,
    );
    const p = new PagedKVCache({ layers: 1, heads: 1, headDim: 1, blockSize: 2, numBlocks: 2 });
    expect(() => p.reserve(p.addSequence(), 5)).toThrow(/out of blocks/);
  });
});
