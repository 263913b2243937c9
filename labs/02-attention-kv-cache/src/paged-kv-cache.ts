// A paged KV cache (Kwon et al. 2023, "Efficient Memory Management for Large
// Language Model Serving with PagedAttention", §4.1–4.4).
//
// A contiguous cache reserves max_length slots per sequence up front; most of them
// are never used (a short answer) or are duplicates (many samples of one prompt).
// PagedAttention borrows the operating system's answer, virtual memory:
//
//   physical blocks   one pool of fixed-size blocks of `blockSize` token slots
//                     (each holds every layer and head's k, v for those tokens)
//   block table       per sequence: logical block i → physical block number
//   free list         physical blocks nobody uses
//   reference counts  a block may be shared: fork() copies a block TABLE, not the blocks
//   copy-on-write     before writing into a shared block, copy it to a fresh one
//
// Waste is then at most blockSize - 1 slots per sequence (the last block's tail).
// Attention reads a sequence's keys through its block table; here headKeys()
// gathers them into a contiguous array so the same attention code runs (a real
// kernel, like vLLM's, reads the blocks in place).

import type { KVStore } from "@llm-labs/model";

export interface PagedOptions {
  layers: number;
  heads: number;
  headDim: number;
  blockSize: number;
  numBlocks: number;
}

interface Sequence {
  table: number[];
  length: number;
}

export class PagedKVCache {
  readonly layers: number;
  readonly heads: number;
  readonly d: number;
  readonly blockSize: number;
  readonly keys: Float32Array[] = []; // per layer [numBlocks, heads, blockSize, d]
  readonly values: Float32Array[] = [];
  readonly refCount: Int32Array;
  readonly free: number[] = [];
  private readonly seqs = new Map<number, Sequence>();
  private nextId = 0;
  copies = 0; // copy-on-write events, for the curious

  constructor(o: PagedOptions) {
    for (const [k, v] of Object.entries(o)) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(
          `PagedKVCache: ${k === "blockSize" ? "block size" : k} must be a positive integer, got ${v}`,
        );
    }
    this.layers = o.layers;
    this.heads = o.heads;
    this.d = o.headDim;
    this.blockSize = o.blockSize;
    const size = o.numBlocks * o.heads * o.blockSize * o.headDim;
    for (let l = 0; l < o.layers; l++) {
      this.keys.push(new Float32Array(size));
      this.values.push(new Float32Array(size));
    }
    this.refCount = new Int32Array(o.numBlocks);
    for (let b = o.numBlocks - 1; b >= 0; b--) this.free.push(b); // pop() hands out 0, 1, 2, …
  }

  private seq(id: number): Sequence {
    const s = this.seqs.get(id);
    if (!s) throw new Error(`PagedKVCache: no sequence ${id}`);
    return s;
  }

  addSequence(): number {
    this.seqs.set(this.nextId, { table: [], length: 0 });
    return this.nextId++;
  }

  // A new sequence that shares all of `parent`'s blocks (a common prompt, or
  // parallel samples): only the table is copied, every block's count goes up.
  fork(parent: number): number {
    const p = this.seq(parent);
    for (const b of p.table) this.refCount[b]++;
    this.seqs.set(this.nextId, { table: [...p.table], length: p.length });
    return this.nextId++;
  }

  release(id: number): void {
    for (const b of this.seq(id).table) if (--this.refCount[b] === 0) this.free.push(b);
    this.seqs.delete(id);
  }

  private allocate(): number {
    const b = this.free.pop();
    if (b === undefined) throw new Error(`PagedKVCache: out of blocks (all ${this.refCount.length} in use)`);
    this.refCount[b] = 1;
    return b;
  }

  private copyBlock(from: number, to: number): void {
    const n = this.heads * this.blockSize * this.d;
    for (let l = 0; l < this.layers; l++) {
      this.keys[l].copyWithin(to * n, from * n, (from + 1) * n);
      this.values[l].copyWithin(to * n, from * n, (from + 1) * n);
    }
  }

  // Makes room for `count` more tokens of sequence `id`: positions length …
  // length+count-1 must land in blocks this sequence owns alone.
  reserve(id: number, count: number): void {
    const s = this.seq(id);
    const B = this.blockSize;
    for (let pos = s.length; pos < s.length + count; pos++) {
      const logical = Math.floor(pos / B);
      // #region exercise paged-append
      if (logical === s.table.length) {
        s.table.push(this.allocate());
      } else if (this.refCount[s.table[logical]] > 1) {
        const old = s.table[logical];
        const fresh = this.allocate();
        this.copyBlock(old, fresh);
        this.refCount[old]--;
        s.table[logical] = fresh;
        this.copies++;
      }
      // #endregion
    }
  }

  // Where head h of position pos lives in a layer's buffer.
  slot(id: number, pos: number, h: number): number {
    const s = this.seq(id);
    const B = this.blockSize;
    const block = s.table[Math.floor(pos / B)];
    return ((block * this.heads + h) * B + (pos % B)) * this.d;
  }

  length(id: number): number {
    return this.seq(id).length;
  }
  setLength(id: number, n: number): void {
    this.seq(id).length = n;
  }
  blockTable(id: number): readonly number[] {
    return this.seq(id).table;
  }
  usedBlocks(): number {
    return this.refCount.reduce((n, r) => n + (r > 0 ? 1 : 0), 0);
  }

  // Token slots in allocated physical blocks vs slots holding a token of some
  // sequence (a shared block counts once). Only last blocks can have holes.
  fragmentation(): { allocated: number; used: number; wasted: number } {
    const usedSlots = new Map<number, number>();
    for (const s of this.seqs.values()) {
      s.table.forEach((b, i) =>
        usedSlots.set(
          b,
          Math.max(usedSlots.get(b) ?? 0, Math.min(this.blockSize, s.length - i * this.blockSize)),
        ),
      );
    }
    const allocated = this.usedBlocks() * this.blockSize;
    const used = [...usedSlots.values()].reduce((a, b) => a + b, 0);
    return { allocated, used, wasted: allocated - used };
  }

  // The forward pass's view of one sequence (@llm-labs/model's KVStore).
  view(id: number): KVStore & { readonly layers: number } {
    const cache = this;
    const one = (B: number) => {
      if (B !== 1) throw new Error(`PagedKVCache: a view holds one sequence, got a batch of ${B}`);
    };
    return {
      layers: this.layers,
      heads: this.heads,
      d: this.d,
      get length() {
        return cache.length(id);
      },
      append(layer: number, k: Float32Array, v: Float32Array, B: number, T: number) {
        one(B);
        if (layer === 0) cache.reserve(id, T); // every layer's k, v of a token share its slot
        const { heads: H, d } = cache;
        const p0 = cache.length(id);
        for (let t = 0; t < T; t++)
          for (let h = 0; h < H; h++) {
            const dst = cache.slot(id, p0 + t, h);
            const src = (t * H + h) * d; // k[t, h·d …]
            cache.keys[layer].set(k.subarray(src, src + d), dst);
            cache.values[layer].set(v.subarray(src, src + d), dst);
          }
      },
      advance(T: number) {
        cache.setLength(id, cache.length(id) + T);
      },
      headKeys: (layer: number, b: number, h: number, total: number) => {
        one(b + 1);
        return this.gather(this.keys[layer], id, h, total);
      },
      headValues: (layer: number, b: number, h: number, total: number) => {
        one(b + 1);
        return this.gather(this.values[layer], id, h, total);
      },
    };
  }

  private gather(buf: Float32Array, id: number, h: number, total: number): Float32Array {
    const out = new Float32Array(total * this.d);
    for (let p = 0; p < total; p++) {
      const at = this.slot(id, p, h);
      out.set(buf.subarray(at, at + this.d), p * this.d);
    }
    return out;
  }
}
