// Tasks the collectives tests run on every rank of a world (world.ts imports this module
// in each worker). Rank r's data is a formula of r, so the expected sums are by hand.
import { allGather, allReduce, allToAll, broadcast, chunk, reduceScatter } from "../src/collectives.ts";
import type { Comm } from "../src/comm.ts";

// x_r[i] = (r + 1)·(i + 1): Σ_r x_r[i] = (i + 1)·N(N + 1)/2, exact in float32 at these sizes.
export const rankData = (r: number, S: number) =>
  Float32Array.from({ length: S }, (_, i) => (r + 1) * (i + 1));

export interface CollectiveResults {
  allReduce: number[];
  allReduceBytes: number;
  reduceScatter: number[]; // this rank's chunk
  allGather: number[];
  broadcast: number[];
  allToAll: number[][];
}

export async function everyCollective(comm: Comm, S: number): Promise<CollectiveResults> {
  const N = comm.size;
  const r = comm.rank;
  const x = rankData(r, S);
  const before = comm.bytesSent;
  await allReduce(comm, x);
  const allReduceBytes = comm.bytesSent - before;

  const y = rankData(r, S);
  await reduceScatter(comm, y);
  const [lo, hi] = chunk(S, N, r);

  // all-gather: rank r fills its own chunk with r, everything else with -1
  const z = new Float32Array(S).fill(-1);
  z.fill(r, ...chunk(S, N, r));
  await allGather(comm, z);

  const b = r === 1 % N ? rankData(7, S) : new Float32Array(S);
  await broadcast(comm, b, 1 % N);

  // all-to-all: rank r sends rank j a block of j + 1 values, each 100·r + j
  const blocks = Array.from({ length: N }, (_, j) => new Float32Array(j + 1).fill(100 * r + j));
  const got = await allToAll(comm, blocks);
  return {
    allReduce: Array.from(x),
    allReduceBytes,
    reduceScatter: Array.from(y.subarray(lo, hi)),
    allGather: Array.from(z),
    broadcast: Array.from(b),
    allToAll: got.map((g) => Array.from(g)),
  };
}

// For the failure tests: rank 1 throws before the barrier, or never reaches it.
export async function rankOneThrows(comm: Comm): Promise<number> {
  if (comm.rank === 1) throw new Error("rank one gives up");
  await comm.barrier();
  return comm.rank;
}
export async function rankOneHangs(comm: Comm): Promise<number> {
  if (comm.rank === 1) for (;;) {}
  await comm.barrier();
  return comm.rank;
}
