// The engine: requests in, tokens out, one batched step at a time.
//
//   add(request)     it waits in the scheduler's queue
//   step()           the scheduler picks this step's requests and token counts; one forward
//                    pass over all of them (model-runner.ts); each request whose known tokens
//                    are now all computed samples its next token; finished requests leave and
//                    free their blocks
//   abort(id)        a client went away: its blocks are freed now, not when it would have ended
//
// The server (server.ts) calls step() in a loop between network events; the bench drives it
// the same way through HTTP. Everything a request needs to be reproducible lives in the
// request: its own RNG (seeded by the request), its own positions, its own blocks. So the
// same request gives the same tokens alone or in any batch (test/engine.test.ts).

import { type Adapter } from "@llm-labs/lab-lora";
import { headDim, isLlama, type AnySpecimen, type GPTConfig } from "@llm-labs/model";
import { UserError } from "@llm-labs/kit";
import { Rng, sample } from "@llm-labs/tensor";
import { BlockManager } from "./block-manager.ts";
import { type Chunk, runBatch } from "./model-runner.ts";
import { KVPool } from "./paged-attention.ts";
import { blockHashes } from "./prefix-cache.ts";
import { type Request, Scheduler } from "./scheduler.ts";
import { VirtualTokenCounter } from "./vtc.ts";

export interface SamplingParams {
  maxTokens: number; // ≥ 1; prompt.length + maxTokens ≤ contextLength
  temperature: number; // 0: greedy (argmax)
  topP: number; // (0, 1]
  seed: number; // the request's own RNG seed: the same request samples the same tokens in any batch
  ignoreEos: boolean; // keep going past eos (a load generator's fixed output length)
}

export interface EngineRequest {
  id: string; // unique among the engine's live requests
  prompt: number[]; // token ids
  sampling: SamplingParams;
  adapter?: string; // a LoRA adapter the engine was built with (EngineOptions.adapters); default: the base
  tenant?: string; // who sent it, for fair scheduling (VTC); default "default"
}

export type FinishReason = "stop" | "length" | "abort";

// What one step() did for one request: the token it produced and, on its last event, why it
// finished. A request whose prompt is still being prefilled in chunks gets no event.
export interface TokenEvent {
  id: string;
  tokens: number[];
  finishReason?: FinishReason;
}

export type BatchingMode = "static" | "continuous";

export interface EngineOptions {
  mode: BatchingMode;
  chunkedPrefill: boolean;
  maxBatchedTokens: number; // token budget per step (without chunked prefill: ≥ the context)
  maxSeqs: number; // running requests at most
  blockSize: number;
  numBlocks: number;
  prefixCaching: boolean;
  fairness: "fcfs" | "vtc";
  adapters: Record<string, Adapter>; // name → a LoRA adapter of lab 05 (GPT-2 only)
}

export interface EngineStats {
  steps: number;
  running: number;
  waiting: number;
  usedBlocks: number;
  freeBlocks: number;
  preemptions: number;
  prefixQueriedTokens: number;
  prefixHitTokens: number;
  batchedTokens: number; // tokens computed over all steps (padding rows of static batching included)
}

interface Live extends Request {
  sampling: SamplingParams;
  rng: Rng;
  adapter: number; // index into adapters, −1: base
  generated: number; // output tokens reported
}

export class Engine {
  readonly contextLength: number;
  readonly options: EngineOptions;
  readonly blocks: BlockManager;
  readonly scheduler: Scheduler;
  readonly vtc?: VirtualTokenCounter;
  private readonly pool: KVPool;
  private readonly adapterNames: string[];
  private readonly adapterList: Adapter[];
  private readonly live = new Map<string, Live>();
  private readonly eos: number[];
  private arrivals = 0;
  private steps = 0;
  private batchedTokens = 0;

  constructor(
    readonly model: AnySpecimen,
    options: Partial<EngineOptions> = {},
  ) {
    const c = model.config;
    const llama = isLlama(model) ? model.config : undefined;
    const gpt = isLlama(model) ? undefined : (model.config as GPTConfig);
    this.contextLength = llama ? llama.max_position_embeddings : (gpt as GPTConfig).n_positions;
    const chunked = options.chunkedPrefill ?? true;
    const o: EngineOptions = {
      mode: "continuous",
      chunkedPrefill: chunked,
      maxBatchedTokens: chunked ? 64 : this.contextLength,
      maxSeqs: 32,
      blockSize: 16,
      numBlocks: 512,
      prefixCaching: true,
      fairness: "fcfs",
      adapters: {},
      ...options,
    };
    for (const k of ["maxBatchedTokens", "maxSeqs", "blockSize", "numBlocks"] as const)
      if (!Number.isInteger(o[k]) || o[k] < 1)
        throw new UserError(`engine: ${k} must be a whole number ≥ 1, got ${o[k]}`);
    if (o.mode === "continuous" && !o.chunkedPrefill && o.maxBatchedTokens < this.contextLength)
      throw new UserError(
        `engine: without chunked prefill a whole prompt must fit one step: maxBatchedTokens ${o.maxBatchedTokens} < the context ${this.contextLength}`,
      );
    this.adapterNames = Object.keys(o.adapters);
    this.adapterList = Object.values(o.adapters);
    if (llama && this.adapterNames.length > 0)
      throw new UserError("engine: lab 05's LoRA adapters are for the GPT-2 specimen, not the Llama");
    this.options = o;
    const [layers, heads, d] = llama
      ? [llama.num_hidden_layers, llama.num_key_value_heads, llama.head_dim]
      : [(gpt as GPTConfig).n_layer, (gpt as GPTConfig).n_head, headDim(gpt as GPTConfig)];
    this.pool = new KVPool(layers, heads, d, o.numBlocks, o.blockSize);
    this.blocks = new BlockManager(o.numBlocks, o.blockSize);
    this.vtc = o.fairness === "vtc" ? new VirtualTokenCounter() : undefined;
    this.scheduler = new Scheduler(o, this.blocks, this.vtc);
    this.eos = ([] as (number | null | undefined)[])
      .concat(c.eos_token_id)
      .filter((e): e is number => typeof e === "number");
  }

  get adapters(): string[] {
    return [...this.adapterNames];
  }

  add(request: EngineRequest): void {
    const { id, prompt, sampling: s } = request;
    const V = this.model.config.vocab_size;
    if (this.live.has(id))
      throw new UserError(`engine: a request with id ${JSON.stringify(id)} is already live`);
    if (prompt.length === 0) throw new UserError("engine: the prompt has no tokens");
    const bad = prompt.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= V);
    if (bad >= 0)
      throw new UserError(`engine: prompt token ${bad} is ${prompt[bad]}, not a token id in 0 … ${V - 1}`);
    if (!Number.isInteger(s.maxTokens) || s.maxTokens < 1)
      throw new UserError(`engine: maxTokens must be a whole number ≥ 1, got ${s.maxTokens}`);
    if (prompt.length + s.maxTokens > this.contextLength)
      throw new UserError(
        `engine: ${prompt.length} prompt tokens + ${s.maxTokens} new ones exceed the context (${this.contextLength})`,
      );
    const capacity = this.options.numBlocks * this.options.blockSize;
    if (prompt.length + s.maxTokens > capacity)
      throw new UserError(`engine: the request needs more KV slots than the pool has (${capacity})`);
    if (!(s.temperature >= 0)) throw new UserError(`engine: temperature must be ≥ 0, got ${s.temperature}`);
    if (!(s.topP > 0 && s.topP <= 1)) throw new UserError(`engine: topP must be in (0, 1], got ${s.topP}`);
    const adapter = request.adapter === undefined ? -1 : this.adapterNames.indexOf(request.adapter);
    if (adapter < 0 && request.adapter !== undefined)
      throw new UserError(
        `engine: no adapter ${JSON.stringify(request.adapter)} (this engine has ${this.adapterNames.join(", ") || "none"})`,
      );
    const req: Live = {
      id,
      tenant: request.tenant ?? "default",
      arrival: this.arrivals++,
      tokens: [...prompt],
      promptLength: prompt.length,
      numComputed: 0,
      table: [],
      salt: adapter < 0 ? "base" : `lora:${this.adapterNames[adapter]}`,
      hashes: [],
      registered: 0,
      done: false,
      admitted: false,
      sampling: { ...s },
      rng: new Rng(s.seed),
      adapter,
      generated: 0,
    };
    this.live.set(id, req);
    this.scheduler.add(req);
  }

  abort(id: string): boolean {
    const req = this.live.get(id);
    if (!req) return false;
    this.live.delete(id);
    this.scheduler.remove(req);
    return true;
  }

  hasWork(): boolean {
    return this.scheduler.running.length > 0 || this.scheduler.waiting.length > 0;
  }

  step(): TokenEvent[] {
    const plan = this.scheduler.schedule();
    if (plan.length === 0) return [];
    this.steps++;
    let row = 0;
    const chunks: Chunk[] = plan.map(({ req, count }) => {
      const r = req as Live;
      const chunk: Chunk = {
        table: r.table,
        start: r.numComputed,
        count,
        row,
        tokens: r.tokens.slice(r.numComputed, r.numComputed + count),
        adapter: r.adapter,
        sample: r.numComputed + count === r.tokens.length,
      };
      row += count;
      return chunk;
    });
    this.batchedTokens += row;
    const logits = runBatch(this.model, this.pool, chunks, this.adapterList);
    const V = this.model.config.vocab_size;
    const events: TokenEvent[] = [];
    let s = 0;
    plan.forEach(({ req, count }, i) => {
      const r = req as Live;
      r.numComputed += count;
      if (this.options.prefixCaching) this.remember(r);
      if (!chunks[i].sample) return;
      const row = logits.subarray(s * V, (s + 1) * V);
      s++;
      const next = sample(Float32Array.from(row), r.rng, {
        temperature: r.sampling.temperature,
        topP: r.sampling.topP,
      });
      if (r.done) {
        // static batching's padding: computed, never reported, stopped at the context
        if (r.tokens.length < this.contextLength) r.tokens.push(next);
        return;
      }
      r.tokens.push(next);
      r.generated++;
      this.vtc?.generated(r.tenant, 1);
      const finish: FinishReason | undefined =
        !r.sampling.ignoreEos && this.eos.includes(next)
          ? "stop"
          : r.generated >= r.sampling.maxTokens || r.tokens.length >= this.contextLength
            ? "length"
            : undefined;
      events.push(finish ? { id: r.id, tokens: [next], finishReason: finish } : { id: r.id, tokens: [next] });
      if (finish) this.finish(r);
    });
    // a static batch ends when its last member does; then all its rows leave together
    if (this.options.mode === "static" && this.scheduler.running.every((r) => r.done))
      for (const r of [...this.scheduler.running]) this.scheduler.remove(r);
    return events;
  }

  private finish(r: Live): void {
    this.live.delete(r.id);
    if (this.options.mode === "static") r.done = true;
    else this.scheduler.remove(r);
  }

  // The full blocks a request has now computed go into the prefix cache.
  private remember(r: Live): void {
    const full = Math.floor(r.numComputed / this.options.blockSize);
    if (full <= r.registered) return;
    r.hashes = blockHashes(r.tokens, this.options.blockSize, r.salt, r.hashes);
    for (let i = r.registered; i < full; i++) this.blocks.remember(r.table[i], r.hashes[i]);
    r.registered = full;
  }

  stats(): EngineStats {
    return {
      steps: this.steps,
      running: this.scheduler.running.filter((r) => !r.done).length,
      waiting: this.scheduler.waiting.length,
      usedBlocks: this.blocks.usedCount,
      freeBlocks: this.blocks.freeCount,
      preemptions: this.scheduler.preemptions,
      prefixQueriedTokens: this.scheduler.prefixQueriedTokens,
      prefixHitTokens: this.scheduler.prefixHitTokens,
      batchedTokens: this.batchedTokens,
    };
  }
}
