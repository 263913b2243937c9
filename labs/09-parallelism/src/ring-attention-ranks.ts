// Ring attention with the ranks for real: each rank a worker (or a LocalComm rank)
// holding its own query block, passing K/V blocks to the right through its mailbox.
// The arithmetic is ringAttention's (ring-attention.ts), tile for tile in the same order,
// so the output is the simulated ring's, bit for bit (test/ring-attention-ranks.test.ts).
//
//   step t = 0 … N − 1:  attend to the block held (j = (r − t) mod N, skipped if j > r),
//                        then send it on to r + 1 and take the one from r − 1.

import type { Comm } from "./comm.ts";
import { blockAttention, emptyPartial, mergeAttention } from "./ring-attention.ts";

export interface RingRankInput {
  q: Float32Array; // [B, d] this rank's queries, positions r·B … (r + 1)·B − 1
  k: Float32Array; // [B, d] this rank's keys, the same positions
  v: Float32Array; // [B, d]
  d: number;
}
export interface RingRankOutput {
  out: Float32Array; // [B, d] attention for this rank's queries
  tiles: number; // blocks attended to: r + 1
}

export async function ringAttentionRank(comm: Comm, input: RingRankInput): Promise<RingRankOutput> {
  const { q, d } = input;
  const N = comm.size;
  const r = comm.rank;
  const B = q.length / d;
  let j = r; // the block held: at first our own
  let k = input.k;
  let v = input.v;
  let state = emptyPartial(B, d);
  let tiles = 0;
  const left = comm.mailbox((r - 1 + N) % N);
  for (let t = 0; t < N; t++) {
    if (j <= r) {
      state = mergeAttention(state, blockAttention(q, k, v, B, d, j === r));
      tiles++;
    }
    if (t === N - 1) break; // every block seen: no last hop
    // the mailbox holds [k (B·d) | v (B·d) | j]
    comm.send(k, 0);
    comm.send(v, B * d);
    comm.send([j], 2 * B * d);
    await comm.barrier();
    k = left.slice(0, B * d);
    v = left.slice(B * d, 2 * B * d);
    j = left[2 * B * d];
    await comm.barrier();
  }
  const out = new Float32Array(B * d);
  for (let i = 0; i < B; i++) for (let e = 0; e < d; e++) out[i * d + e] = state.o[i * d + e] / state.l[i];
  return { out, tiles };
}
