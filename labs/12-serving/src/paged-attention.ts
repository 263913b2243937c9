// The physical KV pool, and attention over it for a batch of different sequences.
//
// One step of the engine runs every scheduled request at once as ONE flattened batch of
// rows (B = 1, T = all their tokens), the way vLLM's model runner does: request r brings
// `count` tokens at positions start … start+count−1 (a decode brings 1, a prefill chunk
// many), and the linears, norms and MLPs see just rows, whatever request they belong to.
// Only attention and the cache need to know where one request ends and the next begins:
//
//   segment r    rows row … row+count−1 of the batch, positions start … start+count−1,
//                its keys and values in the blocks of its block table
//   slot(p, h)   where position p, head h lives: block table[⌊p / blockSize⌋], offset p mod blockSize
//
// append() scatters each row's k, v into its own slots; attention() runs lab 02's attention
// (attentionForward, the specimen's) per segment over that request's positions 0 … start+count−1,
// gathered from its blocks. A real kernel (vLLM's paged_attention) reads the blocks in place.

import { attentionForward, type AttentionHook, type KVStore } from "@llm-labs/model";

export interface Segment {
  table: readonly number[]; // the request's block table
  start: number; // positions already cached (its prefix hit, or what earlier steps computed)
  count: number; // new tokens this step
  row: number; // its first row in the flattened batch
}

// Per layer [numBlocks, heads, blockSize, d]: lab 02's paged layout, so one (block, head) is
// a contiguous [blockSize, d] run.
export class KVPool {
  readonly keys: Float32Array[] = [];
  readonly values: Float32Array[] = [];
  constructor(
    readonly layers: number,
    readonly heads: number, // key/value heads (a Llama's H_kv)
    readonly d: number,
    readonly numBlocks: number,
    readonly blockSize: number,
  ) {
    const size = numBlocks * heads * blockSize * d;
    for (let l = 0; l < layers; l++) {
      this.keys.push(new Float32Array(size));
      this.values.push(new Float32Array(size));
    }
  }

  // Offset of (position p, head h) of a request in a layer's buffer.
  slot(table: readonly number[], p: number, h: number): number {
    const block = table[Math.floor(p / this.blockSize)];
    if (block === undefined)
      throw new Error(`KVPool: position ${p} is past the block table (${table.length} blocks)`);
    return ((block * this.heads + h) * this.blockSize + (p % this.blockSize)) * this.d;
  }

  // Positions 0 … total−1 of head h, gathered from the blocks: [total, d].
  gather(buf: Float32Array, table: readonly number[], h: number, total: number): Float32Array {
    const out = new Float32Array(total * this.d);
    for (let p = 0; p < total; p++) {
      const at = this.slot(table, p, h);
      out.set(buf.subarray(at, at + this.d), p * this.d);
    }
    return out;
  }
}

// The forward pass's cache for one step: it stores every segment's new keys and values.
// `length` is 0 because rows carry their own positions (the `positions` hook).
export function batchStore(pool: KVPool, segments: readonly Segment[]): KVStore {
  const { heads: H, d } = pool;
  return {
    heads: H,
    d,
    length: 0,
    append(layer, k, v, B, T) {
      if (B !== 1) throw new Error(`batchStore: the batch is flattened (B = 1), got B = ${B}`);
      for (const s of segments) {
        if (s.row + s.count > T) throw new Error(`batchStore: segment rows run past the batch's ${T}`);
        for (let t = 0; t < s.count; t++) {
          const src = (s.row + t) * H * d; // row of k, v: [heads·d]
          for (let h = 0; h < H; h++) {
            const dst = pool.slot(s.table, s.start + t, h);
            pool.keys[layer].set(k.subarray(src + h * d, src + (h + 1) * d), dst);
            pool.values[layer].set(v.subarray(src + h * d, src + (h + 1) * d), dst);
          }
        }
      }
    },
    advance() {}, // the engine moves each request's own count
    headKeys: () => {
      throw new Error("batchStore: read a segment's keys through pagedAttention");
    },
    headValues: () => {
      throw new Error("batchStore: read a segment's values through pagedAttention");
    },
  };
}

// Causal attention of every segment's new queries over that request's own positions.
// q, out: [rows, H·d]. Each query runs the specimen's attentionForward over exactly the keys
// it would see if its request ran alone, in the same order: so a request's numbers do not
// depend on who else is in the batch.
export function pagedAttention(pool: KVPool, segments: readonly Segment[]): AttentionHook {
  return (layer, q, _store, _B, T, H) => {
    const d = pool.d;
    const C = H * d;
    const out = new Float32Array(T * C);
    for (const s of segments) {
      const total = s.start + s.count;
      const view: KVStore = {
        heads: pool.heads,
        d,
        length: s.start, // attentionForward's p0: the new queries sit after the cached positions
        append() {},
        advance() {},
        headKeys: (_l, _b, h, n) => pool.gather(pool.keys[layer], s.table, h, n),
        headValues: (_l, _b, h, n) => pool.gather(pool.values[layer], s.table, h, n),
      };
      const qs = q.subarray(s.row * C, (s.row + s.count) * C);
      const os = new Float32Array(s.count * C);
      if (total > 0) attentionForward(os, qs, view, layer, 1, s.count, H);
      out.set(os, s.row * C);
    }
    return out;
  };
}
