// Expert parallelism (GShard, Lepikhin et al. 2020; Switch, Fedus et al. 2021): the E
// experts of lab 07's MoE block live on different ranks, E/N each, and tokens travel to
// their experts instead. Every rank holds its own tokens (as in data parallelism) and
// the router (small, replicated). One MoE forward is:
//
//   1. route      each rank picks the k experts of each of its tokens (routerTopK)
//   2. dispatch   all-to-all: every (token, expert) slot goes to the rank owning the
//                 expert, as [x_t (D floats), gate, slot id]
//   3. compute    each rank runs its experts on whatever arrived
//   4. combine    all-to-all back: each slot's gate · MLP_e(x_t) returns to the token's
//                 rank, which adds the k of them: y_t = Σ_e gate_e · MLP_e(x_t)
//
// Two all-to-alls per MoE layer, each moving k·(tokens per rank)·D floats out of every
// rank (minus what stays local): the cost that makes expert placement matter on a cluster.

// (the MoE files alone: the lab's index also loads ONNX Runtime, which a worker does not need)
import { type MoeWeights, moeForward, routerLogits } from "@llm-labs/lab-llama/moe";
import { routerTopK } from "@llm-labs/lab-llama/router";
import { allToAll } from "./collectives.ts";
import type { Comm } from "./comm.ts";

export interface ExpertParallelInput {
  weights: MoeWeights; // all of them; rank r keeps experts [r·E/N, (r + 1)·E/N) and drops the rest
  x: Float32Array; // [Nr, D] this rank's tokens
  k: number;
}
export interface ExpertParallelOutput {
  y: Float32Array; // [Nr, D]
  sentFloats: number; // floats this rank sent in the two all-to-alls, to other ranks
}

// Expert e alone, as lab 07's block with one expert and a router that can only pick it:
// moeForward then returns MLP_e(x) with gate 1.
function expertMlp(w: MoeWeights, e: number, x: Float32Array, n: number): Float32Array {
  const size = w.D * w.I;
  const one: MoeWeights = {
    ...w,
    E: 1,
    Wr: new Float32Array(w.D),
    Wg: w.Wg.subarray(e * size, (e + 1) * size),
    Wu: w.Wu ? w.Wu.subarray(e * size, (e + 1) * size) : null,
    Wd: w.Wd.subarray(e * size, (e + 1) * size),
  };
  return moeForward(x, one, n, { k: 1 }).y;
}

export async function expertParallelMoe(
  comm: Comm,
  input: ExpertParallelInput,
): Promise<ExpertParallelOutput> {
  const { weights: w, x, k } = input;
  const { D, E } = w;
  const N = comm.size;
  if (E % N !== 0) throw new Error(`expertParallelMoe: ${E} experts do not split over ${N} ranks`);
  const owner = (e: number) => Math.floor(e / (E / N));
  const Nr = x.length / D;
  // 1. route
  const routing = routerTopK(routerLogits(x, w, Nr), Nr, E, k);
  // 2. dispatch: per destination rank, records of D + 3 floats [x_t | gate | expert | slot]
  const REC = D + 3;
  const outbox: number[][] = Array.from({ length: N }, () => []);
  for (let t = 0; t < Nr; t++)
    for (let r = 0; r < k; r++) {
      const e = routing.experts[t * k + r];
      const rec = outbox[owner(e)];
      for (let d = 0; d < D; d++) rec.push(x[t * D + d]);
      rec.push(routing.weights[t * k + r], e, t * k + r);
    }
  let sentFloats = 0;
  const send1 = outbox.map((b, j) => {
    if (j !== comm.rank) sentFloats += b.length;
    return Float32Array.from(b);
  });
  const arrived = await allToAll(comm, send1);
  // 3. compute: each arrived record becomes [gate · MLP_e(x_t) (D floats) | slot]
  const replies = arrived.map((recs) => {
    const n = recs.length / REC;
    const out = new Float32Array(n * (D + 1));
    for (let i = 0; i < n; i++) {
      const rec = recs.subarray(i * REC, (i + 1) * REC);
      const h = expertMlp(w, rec[D + 1], rec.subarray(0, D), 1);
      for (let d = 0; d < D; d++) out[i * (D + 1) + d] = rec[D] * h[d];
      out[i * (D + 1) + D] = rec[D + 2];
    }
    return out;
  });
  replies.forEach((b, j) => {
    if (j !== comm.rank) sentFloats += b.length;
  });
  // 4. combine, slot by slot in slot order (the order moeForward adds the k experts)
  const back = await allToAll(comm, replies);
  const bySlot = new Array<Float32Array>(Nr * k);
  for (const b of back)
    for (let i = 0; i < b.length / (D + 1); i++)
      bySlot[b[i * (D + 1) + D]] = b.subarray(i * (D + 1), i * (D + 1) + D);
  const y = new Float32Array(Nr * D);
  for (let s = 0; s < Nr * k; s++) {
    const t = Math.floor(s / k);
    for (let d = 0; d < D; d++) y[t * D + d] += bySlot[s][d];
  }
  return { y, sentFloats };
}
