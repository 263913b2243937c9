import { describe, expect, it } from "vitest";
import { BlockManager } from "../src/block-manager.ts";
import { blockHashes, lookupPrefix } from "../src/prefix-cache.ts";

describe("prefix hashes (blockHashes)", () => {
  it("names only full blocks, and each name covers everything before it", () => {
    // 5 tokens in blocks of 2: two full blocks [1, 2], [3, 4]; token 5 is a partial block
    const h = blockHashes([1, 2, 3, 4, 5], 2, "base");
    expect(h.length).toBe(2);
    // the same first block after another prefix is another name (h_1 depends on h_0)
    const other = blockHashes([9, 9, 3, 4], 2, "base");
    expect(other[1]).not.toBe(h[1]);
    // the same prefix is the same name, whatever follows
    expect(blockHashes([1, 2, 3, 4, 7, 7], 2, "base").slice(0, 2)).toEqual(h);
    // an adapter changes the keys and values, so it changes every name
    expect(blockHashes([1, 2, 3, 4], 2, "lora:qa")[0]).not.toBe(h[0]);
    // extending the known hashes gives the same names as computing them all
    expect(blockHashes([1, 2, 3, 4, 5, 6], 2, "base", h)).toEqual(blockHashes([1, 2, 3, 4, 5, 6], 2, "base"));
  });
});

describe("exercise: prefix-lookup", () => {
  const bm = new BlockManager(8, 2);
  const h = blockHashes([1, 2, 3, 4, 5, 6], 2, "base"); // three full blocks
  bm.remember(5, h[0]);
  bm.remember(6, h[1]); // the cache holds blocks 0 and 1 of this prompt, not block 2

  it("returns the cached blocks of the longest cached prefix", () => {
    expect(lookupPrefix(bm, h, 3)).toEqual([5, 6]);
  });

  it("stops at the first miss: a later block alone is no prefix", () => {
    const bm2 = new BlockManager(8, 2);
    bm2.remember(6, h[1]); // block 1 cached, block 0 not
    expect(lookupPrefix(bm2, h, 3)).toEqual([]);
  });

  it("takes at most maxBlocks (one token must be left to compute)", () => {
    expect(lookupPrefix(bm, h, 1)).toEqual([5]);
    expect(lookupPrefix(bm, h, 0)).toEqual([]);
  });

  it("a prompt that differs in its first block finds nothing", () => {
    expect(lookupPrefix(bm, blockHashes([0, 2, 3, 4], 2, "base"), 2)).toEqual([]);
  });
});
