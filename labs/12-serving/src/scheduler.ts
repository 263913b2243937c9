// The scheduler: which requests run in the next step, and how many tokens each.
//
// Static batching (what a plain `generate` over a padded batch does) takes up to maxSeqs
// requests, runs them together until the LONGEST is done, and only then takes the next batch:
// a request that finished early still occupies its row (its padding is computed and thrown
// away), and a request that arrives meanwhile waits for the whole batch.
//
// Continuous batching (Yu et al. 2022, Orca, "iteration-level scheduling") decides again at
// every step: a finished request leaves at once and a waiting one joins at once. vLLM v1's
// form of it has no separate prefill and decode phases, only one rule per request:
//
//   compute tokens[numComputed … tokens.length)       (a decode: 1 token; a new prompt: all of it)
//
// under a budget of maxBatchedTokens per step. Without chunked prefill a prompt runs whole
// or not at all, and one long prompt makes that step long for everyone decoding beside it.
// With chunked prefill (Agrawal et al. 2024, Sarathi-Serve) a prompt takes what is left of
// the budget and the rest next step: every step stays about as long as the budget, so the
// decodes' inter-token latency stays flat.
//
// Order of a step: running requests first (they hold KV blocks; finishing them frees
// memory), oldest first; then waiting requests, as long as budget, seats and blocks last.
// Preemption by recompute (vLLM's default): when a running request needs a block and none is
// free, the newest running request is evicted, its blocks freed and it goes back to the front
// of the queue; it will recompute its tokens (prompt and output so far) when readmitted,
// most of them found again in the prefix cache.

import type { BlockManager } from "./block-manager.ts";
import { blockHashes, lookupPrefix } from "./prefix-cache.ts";
import type { VirtualTokenCounter } from "./vtc.ts";

export interface Request {
  id: string;
  tenant: string;
  arrival: number; // admission order among equals
  tokens: number[]; // prompt, then the output so far
  promptLength: number;
  numComputed: number; // tokens whose k, v are in the cache
  table: number[]; // block table
  salt: string; // what else the keys depend on (the adapter), for prefix hashes
  hashes: string[]; // hashes of its full blocks, as far as computed
  registered: number; // full blocks already entered in the prefix cache
  done: boolean; // finished; static batching keeps it running as padding
  admitted: boolean; // has been admitted once (for the prefix hit rate)
}

export interface SchedulerConfig {
  mode: "static" | "continuous";
  chunkedPrefill: boolean;
  maxBatchedTokens: number;
  maxSeqs: number;
  prefixCaching: boolean;
}

export interface Scheduled {
  req: Request;
  count: number; // tokens to compute this step, from req.numComputed
}

// How many of req's tokens to compute this step, with `budget` tokens of the step left
// (0: not this step).
export function tokensToSchedule(req: Request, budget: number, chunked: boolean): number {
  // #region exercise chunked-prefill
  const remaining = req.tokens.length - req.numComputed;
  if (chunked) return Math.min(remaining, budget);
  return remaining <= budget ? remaining : 0;
  // #endregion
}

export class Scheduler {
  readonly running: Request[] = [];
  readonly waiting: Request[] = [];
  preemptions = 0;
  prefixQueriedTokens = 0;
  prefixHitTokens = 0;

  constructor(
    readonly config: SchedulerConfig,
    readonly blocks: BlockManager,
    readonly vtc?: VirtualTokenCounter,
  ) {}

  add(req: Request): void {
    this.vtc?.arrive(req.tenant, this.waiting);
    this.waiting.push(req);
  }

  // Out of the queues, blocks freed: a finished or aborted request.
  remove(req: Request): void {
    for (const q of [this.running, this.waiting]) {
      const i = q.indexOf(req);
      if (i >= 0) q.splice(i, 1);
    }
    this.blocks.free(req.table);
  }

  // Back to the front of the queue, its KV forgotten (it keeps its tokens).
  preempt(req: Request): void {
    this.running.splice(this.running.indexOf(req), 1);
    this.blocks.free(req.table);
    req.numComputed = 0;
    req.registered = 0;
    this.waiting.unshift(req);
    this.preemptions++;
  }

  schedule(): Scheduled[] {
    if (this.config.mode === "static") return this.scheduleStatic();
    const out: Scheduled[] = [];
    let budget = this.config.maxBatchedTokens;
    let preempted = false;
    // #region exercise scheduler-step
    let i = 0;
    while (i < this.running.length && budget > 0) {
      const req = this.running[i];
      const n = tokensToSchedule(req, budget, this.config.chunkedPrefill);
      if (n === 0) {
        i++;
        continue;
      }
      let fits = this.blocks.allocate(req.table, req.numComputed + n);
      while (!fits && this.running.length - 1 > i) {
        this.preempt(this.running[this.running.length - 1]); // the newest
        preempted = true;
        fits = this.blocks.allocate(req.table, req.numComputed + n);
      }
      if (!fits) {
        this.preempt(req); // nobody newer to evict: it waits itself
        preempted = true;
        break;
      }
      out.push({ req, count: n });
      budget -= n;
      i++;
    }
    // #endregion
    // memory is short when this step had to preempt: admit nobody new
    if (!preempted) this.admit(out, budget);
    return out;
  }

  // Static batching: a new batch only when the last one is over; then every member each step.
  private scheduleStatic(): Scheduled[] {
    if (this.running.length === 0) {
      const out: Scheduled[] = [];
      this.admit(out, Infinity);
      return out;
    }
    const out: Scheduled[] = [];
    for (const req of this.running) {
      const n = req.tokens.length - req.numComputed;
      if (n === 0) continue; // padding that reached the context: it sits
      if (!this.blocks.allocate(req.table, req.numComputed + n))
        throw new Error("static batching: out of KV blocks (give the engine more numBlocks)");
      out.push({ req, count: n });
    }
    return out;
  }

  // Waiting requests join while budget, seats and blocks last, each after a prefix lookup.
  private admit(out: Scheduled[], budget: number): void {
    const bs = this.blocks.blockSize;
    while (this.waiting.length > 0 && this.running.length < this.config.maxSeqs && budget > 0) {
      const w = this.vtc ? this.vtc.pick(this.waiting) : 0;
      const req = this.waiting[w];
      let hit: number[] = [];
      if (this.config.prefixCaching) {
        req.hashes = blockHashes(req.tokens, bs, req.salt, req.hashes);
        hit = lookupPrefix(this.blocks, req.hashes, Math.floor((req.tokens.length - 1) / bs));
      }
      const start = hit.length * bs;
      const n = tokensToSchedule({ ...req, numComputed: start }, budget, this.config.chunkedPrefill);
      if (n === 0) break;
      // the hit blocks nobody holds now sit in the free queue: taking them shrinks it
      const idle = hit.filter((b) => this.blocks.refCount[b] === 0).length;
      const need = Math.ceil((start + n) / bs) - hit.length;
      if (need > this.blocks.freeCount - idle) break;
      for (const b of hit) this.blocks.share(b);
      req.table.push(...hit);
      req.numComputed = start;
      req.registered = hit.length;
      this.blocks.allocate(req.table, start + n);
      if (!req.admitted) {
        // counted once per request: a readmission after preemption finds its own blocks
        this.prefixQueriedTokens += req.tokens.length;
        this.prefixHitTokens += start;
        this.vtc?.admitted(req.tenant, req.promptLength);
        req.admitted = true;
      }
      this.waiting.splice(w, 1);
      this.running.push(req);
      out.push({ req, count: n });
      budget -= n;
    }
  }
}
