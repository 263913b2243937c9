import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ADAPTER_FILE, adapterFromSafetensors, mergeAdapter } from "@llm-labs/lab-lora";
import { checkpointDir, generate, loadCheckpoint, loadSpecimen, type AnySpecimen } from "@llm-labs/model";
import { UserError } from "@llm-labs/kit";
import { Rng } from "@llm-labs/tensor";
import { Engine, type EngineOptions, type EngineRequest, type FinishReason } from "../src/engine.ts";

const llama = loadSpecimen(checkpointDir("llama"));
const greedy = { temperature: 0, topP: 1, seed: 0, ignoreEos: true };

// Runs every request to the end; each request's tokens and finish reason.
function serve(engine: Engine, requests: EngineRequest[]) {
  const out = new Map<string, { tokens: number[]; finish?: FinishReason }>();
  for (const r of requests) {
    engine.add(r);
    out.set(r.id, { tokens: [] });
  }
  for (let guard = 0; engine.hasWork(); guard++) {
    if (guard > 10_000) throw new Error("the engine never finished");
    for (const e of engine.step()) {
      const o = out.get(e.id)!;
      o.tokens.push(...e.tokens);
      if (e.finishReason) o.finish = e.finishReason;
    }
  }
  return out;
}

const rng = new Rng(12);
const requests: EngineRequest[] = Array.from({ length: 24 }, (_, i) => ({
  id: `r${i}`,
  prompt: Array.from({ length: 4 + rng.int(12) }, () => rng.int(1000)),
  sampling: { ...greedy, maxTokens: 1 + rng.int(8) },
}));
// the reference: the specimen's own generate, one request at a time, contiguous KV cache
const alone = (m: AnySpecimen, r: EngineRequest) =>
  generate(m, r.prompt, { maxNewTokens: r.sampling.maxTokens, stopAtEos: false }).join(",");
const expected = new Map(requests.map((r) => [r.id, alone(llama, r)]));

describe("the engine: a request's output does not depend on the batch", () => {
  const configs: [string, Partial<EngineOptions>][] = [
    ["continuous batching, chunked prefill", {}],
    ["a 7-token budget (prompts cut in many chunks)", { maxBatchedTokens: 7 }],
    ["no chunked prefill", { chunkedPrefill: false }],
    ["static batching", { mode: "static" }],
  ];
  for (const [name, options] of configs)
    it(`${name}: each of 24 greedy requests gives generate()'s tokens alone`, () => {
      const out = serve(new Engine(llama, options), requests);
      for (const r of requests) {
        expect(out.get(r.id)!.tokens.join(","), r.id).toBe(expected.get(r.id));
        expect(out.get(r.id)!.finish).toBe("length");
      }
    });

  it("a pool too small for all of them preempts (recompute) and still gives the same tokens", () => {
    const engine = new Engine(llama, { numBlocks: 24, blockSize: 4 });
    const out = serve(engine, requests);
    expect(engine.stats().preemptions).toBeGreaterThan(0);
    for (const r of requests) expect(out.get(r.id)!.tokens.join(","), r.id).toBe(expected.get(r.id));
    expect(engine.stats().usedBlocks).toBe(0);
  });

  it("sampling draws from each request's own seeded RNG: the same tokens as generate() with that seed", () => {
    const sampled = requests.slice(0, 8).map((r, i) => ({
      ...r,
      sampling: { ...r.sampling, temperature: 0.9, topP: 0.95, seed: 100 + i },
    }));
    const out = serve(new Engine(llama), sampled);
    for (const r of sampled) {
      const ref = generate(llama, r.prompt, {
        maxNewTokens: r.sampling.maxTokens,
        stopAtEos: false,
        sampling: { temperature: 0.9, topP: 0.95, seed: r.sampling.seed },
      });
      expect(out.get(r.id)!.tokens).toEqual(ref);
    }
  });
});

describe("the engine: prefix caching", () => {
  // 8 prompts: one 40-token "system prompt", then 5 tokens of their own. Blocks of 16 tokens:
  // the system prompt fills 2 full blocks (32 tokens); the 3rd block mixes shared and own tokens.
  const r2 = new Rng(5);
  const system = Array.from({ length: 40 }, () => r2.int(1000));
  const shared = Array.from({ length: 8 }, (_, i) => ({
    id: `s${i}`,
    prompt: [...system, ...Array.from({ length: 5 }, () => r2.int(1000))],
    sampling: { ...greedy, maxTokens: 3 },
  }));

  it("one request after another: every request after the first finds the 2 shared blocks", () => {
    // hit rate = 7 requests · 32 tokens / (8 · 45 prompt tokens) = 224 / 360
    const engine = new Engine(llama);
    const outs = shared.map((r) => serve(engine, [r]).get(r.id)!.tokens.join(","));
    const s = engine.stats();
    expect(s.prefixQueriedTokens).toBe(360);
    expect(s.prefixHitTokens).toBe(224);
    // and the cached keys are the right ones: the same tokens as without the cache
    const cold = new Engine(llama, { prefixCaching: false });
    expect(shared.map((r) => serve(cold, [r]).get(r.id)!.tokens.join(","))).toEqual(outs);
    expect(cold.stats().prefixHitTokens).toBe(0);
  });
});

describe("the engine: multi-LoRA in one batch (S-LoRA)", () => {
  it("base and adapter requests share a batch; each gets what its own model gives alone", () => {
    const target = loadCheckpoint(checkpointDir("target"));
    const qa = adapterFromSafetensors(target, readFileSync(ADAPTER_FILE)).adapter;
    const merged = mergeAdapter(target, qa); // W₀ + s·BA: the adapter's model, as one GPT
    const mix = requests.slice(0, 12).map((r, i) => ({ ...r, adapter: i % 2 === 1 ? "qa" : undefined }));
    const out = serve(new Engine(target, { adapters: { qa } }), mix);
    let differ = 0;
    for (const r of mix) {
      const own = alone(r.adapter ? merged : target, r);
      expect(out.get(r.id)!.tokens.join(","), r.id).toBe(own);
      if (r.adapter && own !== alone(target, r)) differ++;
    }
    expect(differ).toBeGreaterThan(0); // the adapter really changes some answers
  });
});

describe("the engine: finishing, aborting, refusing", () => {
  it("stops at eos unless told to ignore it", () => {
    // make the 3rd greedy token of a prompt the eos token: the request must stop there
    const r = requests[0];
    const free = generate(llama, r.prompt, { maxNewTokens: 6, stopAtEos: false });
    const eosAt3 = { ...llama, config: { ...llama.config, eos_token_id: free[2] } } as AnySpecimen;
    const first = free.indexOf(free[2]); // eos may come earlier than position 2 if repeated
    const req = { ...r, sampling: { ...greedy, ignoreEos: false, maxTokens: 6 } };
    const stopped = serve(new Engine(eosAt3), [req]).get(r.id)!;
    expect(stopped.tokens).toEqual(free.slice(0, first + 1));
    expect(stopped.finish).toBe("stop");
    const ignored = serve(new Engine(eosAt3), [{ ...req, sampling: { ...req.sampling, ignoreEos: true } }]);
    expect(ignored.get(r.id)!.tokens).toEqual(free);
    expect(ignored.get(r.id)!.finish).toBe("length");
  });

  it("an aborted request's blocks are free at once", () => {
    const engine = new Engine(llama);
    engine.add({ id: "long", prompt: requests[0].prompt, sampling: { ...greedy, maxTokens: 100 } });
    for (let i = 0; i < 3; i++) engine.step();
    expect(engine.stats().usedBlocks).toBeGreaterThan(0);
    expect(engine.abort("long")).toBe(true);
    expect(engine.stats()).toMatchObject({ usedBlocks: 0, running: 0, waiting: 0 });
    expect(engine.hasWork()).toBe(false);
    expect(engine.abort("long")).toBe(false);
  });

  it("static batching computes the finished rows as padding until the batch's longest ends", () => {
    // two prompts of 2 tokens, max 1 and 3 new tokens.
    // static:     step 1 both prompts (4 rows); steps 2, 3 both rows (the short one is padding): 8
    // continuous: step 1 4 rows; steps 2, 3 only the long request: 6
    const two = [
      { id: "a", prompt: [5, 6], sampling: { ...greedy, maxTokens: 1 } },
      { id: "b", prompt: [7, 8], sampling: { ...greedy, maxTokens: 3 } },
    ];
    const st = new Engine(llama, { mode: "static" });
    serve(st, two);
    const co = new Engine(llama);
    serve(co, two);
    expect(st.stats().batchedTokens).toBe(8);
    expect(co.stats().batchedTokens).toBe(6);
  });

  it("refuses bad requests with one line that names the problem", () => {
    const engine = new Engine(llama);
    const bad = (
      r: Omit<Partial<EngineRequest>, "sampling"> & { sampling?: Partial<EngineRequest["sampling"]> },
    ) => {
      try {
        engine.add({ id: "x", prompt: [1, 2], ...r, sampling: { ...greedy, maxTokens: 4, ...r.sampling } });
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(bad({ prompt: [] })).toMatch(/no tokens/);
    expect(bad({ prompt: [1, 5000] })).toMatch(/prompt token 1 is 5000/);
    expect(bad({ sampling: { maxTokens: 600 } })).toMatch(/exceed the context \(512\)/);
    expect(bad({ sampling: { temperature: -1 } })).toMatch(/temperature must be ≥ 0/);
    expect(bad({ adapter: "qa" })).toMatch(/no adapter "qa"/);
    expect(() => new Engine(llama, { chunkedPrefill: false, maxBatchedTokens: 64 })).toThrow(
      /whole prompt must fit one step/,
    );
  });
});
