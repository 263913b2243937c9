// The block manager: who owns which KV block (Kwon et al. 2023, vLLM, §4.2–4.3).
//
// Lab 02's PagedKVCache kept one sequence's blocks behind a block table. A server keeps
// hundreds of sequences in one pool and must decide, every step, whether a request fits:
//
//   pool          numBlocks blocks of blockSize token slots (paged-attention.ts holds the floats)
//   block table   per request: logical block i → physical block (a plain number[] here)
//   refCount[b]   how many tables hold block b; a block shared by a common prefix has > 1
//   free queue    blocks nobody holds, least recently freed first
//
// Prefix caching (prefix-cache.ts) changes one thing: a freed block keeps its contents and
// its content hash, so a later request with the same prefix can take it back instead of
// recomputing it. It is only overwritten when the free queue hands it out again, oldest
// first: an LRU cache that costs nothing, because free memory holds it (vLLM v1's BlockPool).
//
// A JavaScript Set iterates in insertion order, so it is the free queue: delete() takes a
// block out of the middle (a prefix hit), add() puts it at the back, the first value is
// the least recently freed.

export class BlockManager {
  readonly refCount: Int32Array; // [numBlocks]
  readonly blockHash: (string | undefined)[]; // the content hash of a full block, if it has one
  readonly cached = new Map<string, number>(); // content hash → the block that holds it
  readonly freeQueue = new Set<number>();
  evictions = 0; // cached blocks overwritten by a new owner

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
  ) {
    this.refCount = new Int32Array(numBlocks);
    this.blockHash = new Array(numBlocks).fill(undefined);
    for (let b = 0; b < numBlocks; b++) this.freeQueue.add(b);
  }

  get freeCount(): number {
    return this.freeQueue.size;
  }
  get usedCount(): number {
    return this.numBlocks - this.freeQueue.size;
  }

  // Blocks a table of `table.length` blocks needs to hold `numTokens` tokens.
  blocksNeeded(table: readonly number[], numTokens: number): number {
    return Math.max(0, Math.ceil(numTokens / this.blockSize) - table.length);
  }

  // Grows `table` so it holds `numTokens` tokens. All or nothing: when the free queue is
  // too short it returns false and changes nothing (the scheduler then preempts or waits).
  allocate(table: number[], numTokens: number): boolean {
    // #region exercise block-alloc
    const need = this.blocksNeeded(table, numTokens);
    if (need > this.freeQueue.size) return false;
    for (let i = 0; i < need; i++) {
      const b = this.freeQueue.values().next().value as number; // least recently freed
      this.freeQueue.delete(b);
      this.forget(b); // its old contents are about to be overwritten
      this.refCount[b] = 1;
      table.push(b);
    }
    return true;
    // #endregion
  }

  // Lets go of every block of `table`, last block first: a freed block goes to the back of
  // the queue, so the tail of a sequence (the part least likely to be shared) is handed out
  // again before its prefix is.
  free(table: number[]): void {
    // #region exercise block-alloc
    for (let i = table.length - 1; i >= 0; i--) {
      const b = table[i];
      this.refCount[b]--;
      if (this.refCount[b] === 0) this.freeQueue.add(b);
    }
    table.length = 0;
    // #endregion
  }

  // Takes a cached block for one more table (a prefix hit): out of the free queue if nobody
  // held it.
  share(b: number): void {
    if (this.refCount[b] === 0) this.freeQueue.delete(b);
    this.refCount[b]++;
  }

  // Records that block b now holds the full block whose content hash is `hash`. The first
  // block with a hash keeps it: two requests that computed the same block at once each keep
  // their own copy, and only one of them is found by later lookups.
  remember(b: number, hash: string): void {
    if (this.blockHash[b] !== undefined || this.cached.has(hash)) return;
    this.blockHash[b] = hash;
    this.cached.set(hash, b);
  }

  private forget(b: number): void {
    const h = this.blockHash[b];
    if (h === undefined) return;
    this.cached.delete(h);
    this.blockHash[b] = undefined;
    this.evictions++;
  }
}
