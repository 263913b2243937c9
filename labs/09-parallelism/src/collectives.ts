// The collectives of torch.distributed / NCCL, written over the mailboxes of comm.ts.
//
// Ring all-reduce (Patarasuk & Yuan 2009). Every rank holds x [S]; all must end with
// Σ_r x_r. Cut x into N chunks. Ranks sit in a ring, each sending only to its right
// neighbour (r + 1) and receiving from its left (r − 1):
//
//   reduce-scatter  N − 1 steps: at step t rank r sends chunk (r − t − 1) mod N and adds
//                   the chunk it receives, (r − t − 2) mod N, into its own copy. After
//                   N − 1 steps rank r holds the full sum of chunk r.
//   all-gather      N − 1 steps: at step t rank r sends chunk (r − t) mod N (at t = 0 the
//                   one it owns) and copies the one it receives, (r − t − 1) mod N.
//
// Each rank sends 2·(N − 1) chunks of S/N: 2(N − 1)/N · S in all, which is within a
// factor (N − 1)/N of the minimum, whatever N is: why NCCL uses rings.
//
// Summation order: chunk c is summed along the ring, starting at rank c + 1 and ending
// at rank c. For N = 2 that is x_1 + x_0 = x_0 + x_1 (float addition commutes), the
// order one thread uses, so 2-rank results equal 1-rank results bit for bit.

import type { Comm } from "./comm.ts";

// Chunk c of S values: [lo, hi), sizes differing by at most one when N does not divide S.
export function chunk(S: number, N: number, c: number): [number, number] {
  return [Math.floor((c * S) / N), Math.floor(((c + 1) * S) / N)];
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

// In place: afterwards chunk(S, N, rank) of x holds Σ_r x_r; the other chunks hold partial sums.
export async function reduceScatter(comm: Comm, x: Float32Array): Promise<void> {
  const N = comm.size;
  const r = comm.rank;
  const left = comm.mailbox(mod(r - 1, N));
  // #region exercise ring-all-reduce
  for (let t = 0; t < N - 1; t++) {
    const [slo, shi] = chunk(x.length, N, mod(r - t - 1, N));
    comm.send(x.subarray(slo, shi));
    await comm.barrier(); // everyone has written
    const [lo, hi] = chunk(x.length, N, mod(r - t - 2, N));
    for (let i = lo; i < hi; i++) x[i] += left[i - lo];
    await comm.barrier(); // everyone has read: the mailboxes may be written again
  }
  // #endregion
}

// In place: rank r contributes chunk(S, N, r) of x; afterwards every rank has all of them.
export async function allGather(comm: Comm, x: Float32Array): Promise<void> {
  const N = comm.size;
  const r = comm.rank;
  const left = comm.mailbox(mod(r - 1, N));
  for (let t = 0; t < N - 1; t++) {
    const [slo, shi] = chunk(x.length, N, mod(r - t, N));
    comm.send(x.subarray(slo, shi));
    await comm.barrier();
    const [lo, hi] = chunk(x.length, N, mod(r - t - 1, N));
    x.set(left.subarray(0, hi - lo), lo);
    await comm.barrier();
  }
}

// In place: every rank ends with Σ_r x_r.
export async function allReduce(comm: Comm, x: Float32Array): Promise<void> {
  await reduceScatter(comm, x);
  await allGather(comm, x);
}

// Σ_r v_r of one number per rank, in float64, summed in rank order 0, 1, … on every
// rank, so all ranks get the same bits (ZeRO's global gradient norm needs that).
export async function allReduceNumber(comm: Comm, v: number): Promise<number> {
  comm.mailbox64(comm.rank)[0] = v;
  comm.bytesSent += 8;
  await comm.barrier();
  let sum = 0;
  for (let r = 0; r < comm.size; r++) sum += comm.mailbox64(r)[0];
  await comm.barrier();
  return sum;
}

// In place: every rank ends with the root's x. (A flat broadcast: the root writes once
// and everyone reads; NCCL pipelines it around the ring instead.)
export async function broadcast(comm: Comm, x: Float32Array, root: number): Promise<void> {
  if (comm.rank === root) comm.send(x);
  await comm.barrier();
  if (comm.rank !== root) x.set(comm.mailbox(root).subarray(0, x.length));
  await comm.barrier();
}

// send[j] goes to rank j; returns received[i], what rank i sent to this rank. The sizes
// may differ (MoE dispatch sends each expert its own number of tokens), so a mailbox
// starts with the N block lengths, then the blocks.
export async function allToAll(comm: Comm, send: Float32Array[]): Promise<Float32Array[]> {
  const N = comm.size;
  if (send.length !== N) throw new Error(`allToAll: need one block per rank (${N}), got ${send.length}`);
  comm.send(
    send.map((b) => b.length),
    0,
  );
  let at = N;
  for (let j = 0; j < N; j++) {
    if (j !== comm.rank) comm.send(send[j], at);
    at += send[j].length;
  }
  await comm.barrier();
  const received = Array.from({ length: N }, (_, i) => {
    if (i === comm.rank) return Float32Array.from(send[i]);
    const box = comm.mailbox(i);
    let start = N;
    for (let j = 0; j < comm.rank; j++) start += box[j];
    return Float32Array.from(box.subarray(start, start + box[comm.rank]));
  });
  await comm.barrier();
  return received;
}
