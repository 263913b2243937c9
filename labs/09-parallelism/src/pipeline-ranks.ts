// The pipeline for real: stage s is rank s, a worker holding only its own layer W_s.
// Time runs in ticks of the simulation with t_F = t_B = 1 (simulateSchedule): at tick t
// every stage runs the op the schedule starts then, if any, and idles otherwise, which
// is the bubble, counted. Each tick ends with one exchange: a forward's output goes to
// stage s + 1, a backward's input gradient to stage s − 1, through the mailboxes.
//
//   mailbox of stage s after its op:  [kind (0 none, 1 F, 2 B), mb, data …]  (float64)
//
// The arithmetic is pipelineGradients' (pipeline.ts) op for op, so dW_s is the same
// bit for bit (test/pipeline-ranks.test.ts).

import type { Comm } from "./comm.ts";
import { type Schedule, simulateSchedule } from "./pipeline.ts";

export interface StageInput {
  schedule: Schedule;
  dims: number[]; // [p + 1]
  W: Float64Array; // this stage's W_s [dims[s+1], dims[s]]
  xs: Float64Array[]; // [m][dims[0]]: used by stage 0
  ts: Float64Array[]; // [m][dims[p]]: used by the last stage
}
export interface StageOutput {
  dW: Float64Array; // this stage's gradient
  loss: number; // the last stage's; 0 elsewhere
  busyTicks: number;
  ticks: number;
  peakHeld: number; // most micro-batch inputs this stage kept at once
}

const NONE = 0;
const FWD = 1;
const BWD = 2;

export async function pipelineStage(comm: Comm, input: StageInput): Promise<StageOutput> {
  const { schedule, dims, W, xs, ts } = input;
  const s = comm.rank;
  const p = comm.size;
  if (schedule.length !== p)
    throw new Error(`pipelineStage: the schedule has ${schedule.length} stages for ${p} ranks`);
  const sim = simulateSchedule(schedule, { tF: 1, tB: 1 });
  const atTick = new Map(sim.ops[s].map((op) => [op.start, op]));
  const [nIn, nOut] = [dims[s], dims[s + 1]];
  const fromLeft = new Map<number, Float64Array>(); // x_s of micro-batch mb, sent by stage s − 1
  const fromRight = new Map<number, Float64Array>(); // δ_{s+1}, sent by stage s + 1 (or our loss)
  const held = new Map<number, Float64Array>();
  const dW = new Float64Array(W.length);
  let loss = 0;
  let busyTicks = 0;
  let peakHeld = 0;
  for (let t = 0; t < sim.makespan; t++) {
    const op = atTick.get(t);
    let message: number[] = [NONE, 0];
    if (op?.kind === "F") {
      const x = s === 0 ? xs[op.mb] : (fromLeft.get(op.mb) as Float64Array);
      fromLeft.delete(op.mb);
      held.set(op.mb, x);
      peakHeld = Math.max(peakHeld, held.size);
      const y = new Float64Array(nOut); // W_s · x
      for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) y[i] += W[i * nIn + j] * x[j];
      if (s < p - 1) message = [FWD, op.mb, ...y];
      else {
        const d = y.map((v, i) => v - ts[op.mb][i]);
        loss += 0.5 * d.reduce((a, v) => a + v * v, 0);
        fromRight.set(op.mb, d);
      }
    } else if (op?.kind === "B") {
      const d = fromRight.get(op.mb) as Float64Array;
      const x = held.get(op.mb) as Float64Array;
      fromRight.delete(op.mb);
      held.delete(op.mb);
      for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) dW[i * nIn + j] += d[i] * x[j];
      if (s > 0) {
        const dx = new Float64Array(nIn); // W_sᵀ δ
        for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) dx[j] += W[i * nIn + j] * d[i];
        message = [BWD, op.mb, ...dx];
      }
    }
    if (op) busyTicks++;
    comm.send64(message);
    await comm.barrier();
    // a forward from the left, a backward from the right: each arrives in the tick it was sent
    if (s > 0) {
      const box = comm.mailbox64(s - 1);
      if (box[0] === FWD) fromLeft.set(box[1], box.slice(2, 2 + nIn));
    }
    if (s < p - 1) {
      const box = comm.mailbox64(s + 1);
      if (box[0] === BWD) fromRight.set(box[1], box.slice(2, 2 + nOut));
    }
    await comm.barrier();
  }
  return { dW, loss, busyTicks, ticks: sim.makespan, peakHeld };
}
