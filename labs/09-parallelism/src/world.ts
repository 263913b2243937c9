// A "world" of N ranks, each a real worker thread, as torch.distributed has one
// process per GPU. runWorld starts them, hands each its rank and the shared memory,
// runs the same task function on every rank (SPMD: single program, multiple data)
// and collects what each returns.
//
// Failures are loud and leave nothing behind: a rank that throws fails the run with
// its rank and message, a rank that hangs fails it after `timeoutMs`, and every worker
// is terminated in all cases (test/world.test.ts).

import { Worker } from "node:worker_threads";
import { type Comm, type WorldMemory, localWorld, worldMemory } from "./comm.ts";

// A task: `export async function name(comm: Comm, input: I): Promise<O>` in a module.
export interface Task {
  module: URL; // the module that exports it (import.meta.url based)
  name: string;
}

export interface WorldOptions {
  size: number; // ranks
  capacity: number; // floats per mailbox: the largest message a rank sends at once
  timeoutMs?: number; // the whole run; default 60 s
}

export interface RankSetup {
  memory: WorldMemory;
  rank: number;
  module: string;
  name: string;
  input: unknown;
}
export type RankReply = { ok: true; output: unknown; bytesSent: number } | { ok: false; error: string };

export interface RankResult<O> {
  output: O;
  bytesSent: number;
}

const BOOTSTRAP = new URL("./rank.mjs", import.meta.url);

export async function runWorld<O>(
  task: Task,
  opts: WorldOptions,
  input: (rank: number) => unknown,
): Promise<RankResult<O>[]> {
  const { size, capacity } = opts;
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`runWorld: size must be a whole number ≥ 1, got ${size}`);
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new Error(`runWorld: capacity must be a whole number of floats ≥ 1, got ${capacity}`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // a barrier gives up a little before the run does, so the rank's own message wins
  const memory = worldMemory(size, capacity, Math.max(100, timeoutMs - 500));
  const workers = Array.from(
    { length: size },
    (_, rank) =>
      new Worker(BOOTSTRAP, {
        workerData: {
          memory,
          rank,
          module: task.module.href,
          name: task.name,
          input: input(rank),
        } as RankSetup,
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`runWorld: ${task.name} did not finish on ${size} ranks within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return await Promise.race([
      Promise.all(workers.map((w, rank) => answer<O>(w, rank, task.name))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

// The same task with every rank in this thread (LocalComm): no workers, no
// parallelism, the same messages. Tests use it to run a task in-process.
export async function runLocalWorld<I, O>(
  task: (comm: Comm, input: I) => Promise<O>,
  opts: WorldOptions,
  input: (rank: number) => I,
): Promise<RankResult<O>[]> {
  const comms = localWorld(opts.size, opts.capacity);
  const outputs = await Promise.all(comms.map((c) => task(c, input(c.rank))));
  return outputs.map((output, r) => ({ output, bytesSent: comms[r].bytesSent }));
}

function answer<O>(w: Worker, rank: number, name: string): Promise<RankResult<O>> {
  return new Promise((resolve, reject) => {
    w.once("message", (m: RankReply) =>
      m.ok
        ? resolve({ output: m.output as O, bytesSent: m.bytesSent })
        : reject(new Error(`runWorld: ${name} failed on rank ${rank}: ${m.error}`)),
    );
    w.once("error", (e) => reject(new Error(`runWorld: ${name} failed on rank ${rank}: ${e.message}`)));
    w.once("exit", (code) =>
      reject(new Error(`runWorld: rank ${rank} exited with code ${code} before answering`)),
    );
  });
}
