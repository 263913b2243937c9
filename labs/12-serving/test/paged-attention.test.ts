import { describe, expect, it } from "vitest";
import { attentionForward, KVCache } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { batchStore, KVPool, pagedAttention, type Segment } from "../src/paged-attention.ts";

describe("the KV pool's slot mapping", () => {
  it("finds position p, head h in block table[⌊p / blockSize⌋] at offset p mod blockSize", () => {
    // blockSize 4, 2 heads, d 3, table [5, 2]: position 6 → block 2, offset 2;
    // (block·heads + h)·blockSize + offset = (2·2 + 1)·4 + 2 = 22, times d = 66
    const pool = new KVPool(1, 2, 3, 8, 4);
    expect(pool.slot([5, 2], 6, 1)).toBe(66);
    expect(() => pool.slot([5, 2], 8, 0)).toThrow(/past the block table/);
  });
});

describe("paged attention over a flattened batch", () => {
  it("equals the specimen's attention over each request's own contiguous cache", () => {
    // two requests, 4 query heads over 2 KV heads (GQA), d 4, blocks of 2:
    // X has 3 cached positions and brings 2; Y is new with 3
    const rng = new Rng(7);
    const [H, Hkv, d] = [4, 2, 4];
    const r = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 1));
    const pool = new KVPool(1, Hkv, d, 16, 2);
    const X = { k: r(5 * Hkv * d), v: r(5 * Hkv * d), q: r(2 * H * d) };
    const Y = { k: r(3 * Hkv * d), v: r(3 * Hkv * d), q: r(3 * H * d) };
    const xTable = [7, 1, 4];
    const yTable = [0, 9];
    // X's first 3 positions stored by an earlier step
    const n3 = 3 * Hkv * d; // three positions of k (or v)
    batchStore(pool, [{ table: xTable, start: 0, count: 3, row: 0 }]).append(
      0,
      X.k.subarray(0, n3),
      X.v.subarray(0, n3),
      1,
      3,
    );
    const segs: Segment[] = [
      { table: xTable, start: 3, count: 2, row: 0 },
      { table: yTable, start: 0, count: 3, row: 2 },
    ];
    const cat = (a: Float32Array, b: Float32Array) => Float32Array.from([...a, ...b]);
    batchStore(pool, segs).append(0, cat(X.k.subarray(n3), Y.k), cat(X.v.subarray(n3), Y.v), 1, 5);
    const out = pagedAttention(pool, segs)(0, cat(X.q, Y.q), batchStore(pool, segs), 1, 5, H);
    // the reference: each request alone, keys in a contiguous KVCache
    const alone = (k: Float32Array, v: Float32Array, q: Float32Array, cached: number, T: number) => {
      const cache = new KVCache(1, Hkv, d, 8);
      cache.append(0, k.subarray(0, cached * Hkv * d), v.subarray(0, cached * Hkv * d), 1, cached);
      cache.advance(cached);
      cache.append(0, k.subarray(cached * Hkv * d), v.subarray(cached * Hkv * d), 1, T);
      const o = new Float32Array(T * H * d);
      attentionForward(o, q, cache, 0, 1, T, H);
      return o;
    };
    const want = cat(alone(X.k, X.v, X.q, 3, 2), alone(Y.k, Y.v, Y.q, 0, 3));
    expect(Array.from(out)).toEqual(Array.from(want));
  });
});
