import { describe, expect, it } from "vitest";
import { BlockManager } from "../src/block-manager.ts";
import { type Request, Scheduler, type SchedulerConfig, tokensToSchedule } from "../src/scheduler.ts";

let arrivals = 0;
function request(id: string, promptLength: number, numComputed = 0): Request {
  return {
    id,
    tenant: "t",
    arrival: arrivals++,
    tokens: Array.from({ length: promptLength }, (_, i) => i + 1),
    promptLength,
    numComputed,
    table: [],
    salt: "base",
    hashes: [],
    registered: 0,
    done: false,
    admitted: false,
  };
}

// What the engine does after a step: the counts are computed, and a request whose known
// tokens are all computed samples one more (token 99 here).
function afterStep(plan: { req: Request; count: number }[]): void {
  for (const { req, count } of plan) {
    req.numComputed += count;
    if (req.numComputed === req.tokens.length) req.tokens.push(99);
  }
}
const ids = (plan: { req: Request; count: number }[]) => plan.map((s) => `${s.req.id}:${s.count}`);
const config = (o: Partial<SchedulerConfig> = {}): SchedulerConfig => ({
  mode: "continuous",
  chunkedPrefill: true,
  maxBatchedTokens: 8,
  maxSeqs: 8,
  prefixCaching: false,
  ...o,
});

describe("exercise: chunked-prefill", () => {
  it("with chunking a prompt takes what is left of the budget; without, all of it or nothing", () => {
    // 10 tokens, 3 computed: 7 remain
    const r = request("r", 10, 3);
    expect(tokensToSchedule(r, 4, true)).toBe(4); // a chunk of 4, the rest next step
    expect(tokensToSchedule(r, 10, true)).toBe(7); // all 7 fit
    expect(tokensToSchedule(r, 4, false)).toBe(0); // 7 > 4: not this step
    expect(tokensToSchedule(r, 7, false)).toBe(7);
    // a decode: every token but the newest is computed
    expect(tokensToSchedule(request("d", 5, 4), 8, false)).toBe(1);
  });
});

describe("exercise: scheduler-step", () => {
  it("runs the running requests first, then admits waiting ones while budget and blocks last", () => {
    // 6 blocks of 4 slots, budget 8 tokens, chunked prefill; prompts A 6, B 6, C 3.
    // step 1: nothing runs; A is admitted with 6 tokens (2 blocks), budget 2 is left, so B
    //         gets a chunk of 2 (1 block); budget 0, C waits.
    const s = new Scheduler(config(), new BlockManager(6, 4));
    const [A, B, C] = [request("A", 6), request("B", 6), request("C", 3)];
    for (const r of [A, B, C]) s.add(r);
    const step1 = s.schedule();
    expect(ids(step1)).toEqual(["A:6", "B:2"]);
    afterStep(step1); // A sampled its first token (7 tokens, 6 computed); B has 2 of 6
    // step 2: A decodes 1 (7 tokens fit its 2 blocks), B takes min(4, 7) = 4 (6 tokens: 2 blocks),
    //         C is admitted with its 3 (1 block); 8 tokens in all, 5 blocks used
    const step2 = s.schedule();
    expect(ids(step2)).toEqual(["A:1", "B:4", "C:3"]);
    expect(s.blocks.usedCount).toBe(5);
    expect(s.waiting).toEqual([]);
  });

  it("preempts the newest running request when a block runs out, and admits nobody that step", () => {
    // 3 blocks of 2: A's 4-token prompt takes 2 blocks, B's 1-token prompt 1 block, D waits.
    const s = new Scheduler(config({ maxSeqs: 2 }), new BlockManager(3, 2));
    const [A, B, D] = [request("A", 4), request("B", 1), request("D", 1)];
    for (const r of [A, B, D]) s.add(r);
    afterStep(s.schedule()); // A: 5 tokens, 4 computed; B: 2 tokens, 1 computed
    // step 2: A's 5th token needs a 3rd block and none is free: B (the newest) is preempted,
    // its block freed, and it goes back to the FRONT of the queue with nothing computed
    const step2 = s.schedule();
    expect(ids(step2)).toEqual(["A:1"]);
    expect(s.preemptions).toBe(1);
    expect(s.waiting.map((r) => r.id)).toEqual(["B", "D"]);
    expect(B.numComputed).toBe(0);
    expect(B.tokens.length).toBe(2); // it keeps the token it generated: recompute, not restart
    expect(A.table.length).toBe(3);
  });

  it("a request that cannot fit even alone preempts itself rather than stall the step", () => {
    // 2 blocks of 2; A holds both (4 tokens) and needs a third for its 5th token: nothing newer
    const s = new Scheduler(config(), new BlockManager(2, 2));
    const A = request("A", 4);
    s.add(A);
    afterStep(s.schedule());
    expect(ids(s.schedule())).toEqual([]);
    expect(s.waiting).toEqual([A]);
    expect(s.blocks.freeCount).toBe(2);
  });
});

describe("static batching (scheduleStatic)", () => {
  it("admits a batch only when the last one is over", () => {
    const s = new Scheduler(config({ mode: "static", maxSeqs: 2 }), new BlockManager(8, 4));
    const [A, B, C] = [request("A", 2), request("B", 3), request("C", 1)];
    for (const r of [A, B, C]) s.add(r);
    const step1 = s.schedule(); // whole prompts, no budget: the batch is A and B
    expect(ids(step1)).toEqual(["A:2", "B:3"]);
    afterStep(step1);
    A.done = true; // A finished, but stays in the batch as padding
    expect(ids(s.schedule())).toEqual(["A:1", "B:1"]); // C still waits
    expect(s.waiting).toEqual([C]);
  });
});
