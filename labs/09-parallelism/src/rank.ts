// The body of every rank (started by world.ts): build its Comm, run the task, answer.
import { parentPort, workerData } from "node:worker_threads";
import { type Comm, SharedComm } from "./comm.ts";
import type { RankReply, RankSetup } from "./world.ts";

const setup = workerData as RankSetup;
const port = parentPort;
if (!port) throw new Error("rank.ts runs as a worker thread (world.ts starts it)");
const comm = new SharedComm(setup.memory, setup.rank);
let reply: RankReply;
try {
  const mod = (await import(setup.module)) as Record<string, (c: Comm, input: unknown) => unknown>;
  const fn = mod[setup.name];
  if (typeof fn !== "function") throw new Error(`${setup.module} exports no function ${setup.name}`);
  reply = { ok: true, output: await fn(comm, setup.input), bytesSent: comm.bytesSent };
} catch (e) {
  reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
}
port.postMessage(reply);
