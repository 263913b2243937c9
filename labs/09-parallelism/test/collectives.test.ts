// The collectives on real worker threads, one per rank, for N = 1 … 8 (above 2 the
// ranks share the two cores: correctness, not speed). Rank r holds x_r[i] = (r + 1)·(i + 1).
//
// Worked by hand for N = 2, S = 4:
//   x_0 = [1, 2, 3, 4], x_1 = [2, 4, 6, 8]  →  all-reduce: [3, 6, 9, 12] on both ranks
//   reduce-scatter: rank 0 owns chunk 0 = [3, 6], rank 1 chunk 1 = [9, 12]
//   bytes sent per rank: 2·(N − 1)/N·S floats = 4 floats = 16 bytes
import { Worker } from "node:worker_threads";
import { describe, expect, it, vi } from "vitest";
import { chunk } from "../src/collectives.ts";
import { type WorldOptions, runLocalWorld, runWorld } from "../src/world.ts";
import { type CollectiveResults, everyCollective } from "./collective-tasks.ts";

const tasks = new URL("./collective-tasks.ts", import.meta.url);

// Every collective on N ranks: in this thread (LocalComm) or on N worker threads.
const collectives = (where: "local" | "workers", opts: WorldOptions, S: number) =>
  where === "local"
    ? runLocalWorld(everyCollective, opts, () => S)
    : runWorld<CollectiveResults>({ module: tasks, name: "everyCollective" }, opts, () => S);

describe("exercise: ring-all-reduce", () => {
  it("N = 2, S = 4: the hand-worked example", async () => {
    const res = await runWorld<CollectiveResults>(
      { module: tasks, name: "everyCollective" },
      { size: 2, capacity: 64 },
      () => 4,
    );
    expect(res.map((r) => r.output.allReduce)).toEqual([
      [3, 6, 9, 12],
      [3, 6, 9, 12],
    ]);
    expect(res.map((r) => r.output.reduceScatter)).toEqual([
      [3, 6],
      [9, 12],
    ]);
    expect(res[0].output.allReduceBytes).toBe(16);
  });

  // in this thread for every N; on real workers for N = 2 and 8 (more ranks than cores)
  for (const [N, S, where] of [
    [1, 5, "local"],
    [2, 1000, "local"],
    [3, 1001, "local"],
    [4, 1024, "local"],
    [8, 1003, "local"],
    [2, 1000, "workers"],
    [8, 1003, "workers"],
  ] as [number, number, "local" | "workers"][]) {
    it(`N = ${N}, S = ${S} (${where === "local" ? "ranks in this thread" : "worker threads"}): all-reduce, reduce-scatter, all-gather, broadcast, all-to-all`, async () => {
      const res = await collectives(where, { size: N, capacity: 2048 }, S);
      const sum = Array.from({ length: S }, (_, i) => ((i + 1) * N * (N + 1)) / 2);
      const owner = Array.from({ length: S }, (_, i) => {
        for (let c = 0; c < N; c++) if (i < chunk(S, N, c)[1]) return c;
        return -1;
      });
      for (let r = 0; r < N; r++) {
        const o = res[r].output;
        expect(o.allReduce).toEqual(sum);
        expect(o.reduceScatter).toEqual(sum.slice(...chunk(S, N, r)));
        expect(o.allGather).toEqual(owner);
        expect(o.broadcast).toEqual(Array.from({ length: S }, (_, i) => 8 * (i + 1))); // rank 7's data
        expect(o.allToAll).toEqual(Array.from({ length: N }, (_, i) => new Array(r + 1).fill(100 * i + r)));
        // 2(N − 1) chunks sent, each of ⌊S/N⌋ or ⌈S/N⌉ floats; exactly 2(N − 1)/N · S when N divides S
        expect(o.allReduceBytes).toBeGreaterThanOrEqual(4 * 2 * (N - 1) * Math.floor(S / N));
        expect(o.allReduceBytes).toBeLessThanOrEqual(4 * 2 * (N - 1) * Math.ceil(S / N));
        if (S % N === 0) expect(o.allReduceBytes).toBe((4 * 2 * (N - 1) * S) / N);
      }
    });
  }
});

describe("failures", () => {
  it("a rank that throws fails the run with its rank and message", async () => {
    await expect(
      runWorld(
        { module: tasks, name: "rankOneThrows" },
        { size: 3, capacity: 4, timeoutMs: 10_000 },
        () => 0,
      ),
    ).rejects.toThrow("runWorld: rankOneThrows failed on rank 1: rank one gives up");
  });

  it("a rank that hangs fails the run after the timeout, and the workers are stopped", async () => {
    const terminate = vi.spyOn(Worker.prototype, "terminate");
    const t0 = Date.now();
    await expect(
      runWorld({ module: tasks, name: "rankOneHangs" }, { size: 2, capacity: 4, timeoutMs: 1500 }, () => 0),
    ).rejects.toThrow(/rankOneHangs|barrier timed out/);
    expect(Date.now() - t0).toBeLessThan(25_000); // it returned at all: terminate() stopped the spinning rank
    // both workers, the waiting one and the spinning one, were terminated (no zombies):
    // terminate resolves with the exit code once a thread is gone
    expect(terminate).toHaveBeenCalledTimes(2);
    for (const r of terminate.mock.results) expect(typeof (await r.value)).toBe("number");
    terminate.mockRestore();
  });

  it("an unknown task is named", async () => {
    await expect(
      runWorld({ module: tasks, name: "noSuchTask" }, { size: 1, capacity: 4 }, () => 0),
    ).rejects.toThrow("exports no function noSuchTask");
  });
});
