import { describe, expect, it } from "vitest";
import { BlockManager } from "../src/block-manager.ts";

describe("exercise: block-alloc", () => {
  it("allocates ⌈tokens / blockSize⌉ blocks from the front of the free queue, all or nothing", () => {
    // 4 blocks of 2 slots, queue 0, 1, 2, 3. Three tokens need ⌈3/2⌉ = 2 blocks: 0 and 1.
    const bm = new BlockManager(4, 2);
    const a: number[] = [];
    expect(bm.allocate(a, 3)).toBe(true);
    expect(a).toEqual([0, 1]);
    expect(Array.from(bm.refCount)).toEqual([1, 1, 0, 0]);
    expect(bm.freeCount).toBe(2);
    // a fourth token still fits block 1 (slots 2, 3 are block 1's): nothing new
    expect(bm.allocate(a, 4)).toBe(true);
    expect(a).toEqual([0, 1]);
    // five tokens more for another table need ⌈5/2⌉ = 3 blocks; only 2 are free: refused, untouched
    const b: number[] = [];
    expect(bm.allocate(b, 5)).toBe(false);
    expect(b).toEqual([]);
    expect(bm.freeCount).toBe(2);
  });

  it("frees a table last block first, so its tail is handed out again before its prefix", () => {
    // queue after allocating 0, 1: [2, 3]; freeing [0, 1] from the end appends 1 then 0: [2, 3, 1, 0]
    const bm = new BlockManager(4, 2);
    const a: number[] = [];
    bm.allocate(a, 4);
    bm.free(a);
    expect(a).toEqual([]);
    expect([...bm.freeQueue]).toEqual([2, 3, 1, 0]);
    const b: number[] = [];
    bm.allocate(b, 6); // three blocks: 2, 3, then 1 (block 0, a's first, is kept longest)
    expect(b).toEqual([2, 3, 1]);
  });

  it("a shared block stays held until its last table lets go", () => {
    const bm = new BlockManager(2, 2);
    const a: number[] = [];
    bm.allocate(a, 2); // block 0
    bm.share(0); // a second request's table takes block 0 (a prefix hit)
    const b = [0];
    expect(bm.refCount[0]).toBe(2);
    bm.free(a);
    expect(bm.refCount[0]).toBe(1);
    expect(bm.freeQueue.has(0)).toBe(false);
    bm.free(b);
    expect(bm.refCount[0]).toBe(0);
    expect(bm.freeQueue.has(0)).toBe(true);
  });

  it("a freed block keeps its hash until it is handed out again: then the cache forgets it", () => {
    const bm = new BlockManager(2, 2);
    const a: number[] = [];
    bm.allocate(a, 2); // block 0
    bm.remember(0, "h0");
    bm.free(a); // queue [1, 0]: block 0 is free but still cached
    expect(bm.cached.get("h0")).toBe(0);
    const b: number[] = [];
    bm.allocate(b, 2); // takes block 1: h0 survives
    expect(bm.cached.get("h0")).toBe(0);
    bm.allocate(b, 4); // takes block 0: its old contents are overwritten
    expect(b).toEqual([1, 0]);
    expect(bm.cached.has("h0")).toBe(false);
    expect(bm.evictions).toBe(1);
  });
});
