// Pipeline parallelism: the model's layers cut into p stages, one per device, and the batch
// cut into m micro-batches that flow through them. Stage s runs F(mb), the forward of its
// layers on micro-batch mb, and later B(mb), the backward; it must keep mb's activations
// from F(mb) until B(mb). The dependencies:
//
//   F(s, mb) after F(s−1, mb)          its input is stage s−1's output
//   B(s, mb) after B(s+1, mb)          its upstream gradient comes from stage s+1
//   B(s, mb) after F(s, mb)            it needs the activations F kept
//
// GPipe (Huang et al. 2019): every stage runs all m forwards, then all m backwards.
// 1F1B (PipeDream, Narayanan et al. 2019; Megatron-LM's non-interleaved schedule, 2021):
// stage s runs only p − s − 1 forwards ahead, then alternates one forward, one backward.
// With equal stage times both idle the same, the fill and drain of the pipeline:
//
//   makespan = (m + p − 1)·(tF + tB),   bubble = (p − 1)·(tF + tB) / makespan = (p − 1) / (m + p − 1)
//
// What 1F1B saves is memory: stage s holds at most p − s micro-batches' activations, not m.

export type OpKind = "F" | "B";
export interface Op {
  kind: OpKind;
  mb: number; // micro-batch index, 0 .. m−1
}
export type Schedule = Op[][]; // [p]: stage s's ops, in the order it runs them

const F = (mb: number): Op => ({ kind: "F", mb });
const B = (mb: number): Op => ({ kind: "B", mb });
const name = (op: Op): string => `${op.kind}(mb ${op.mb})`;

function checkCount(fn: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${fn}: ${what} must be a whole number ≥ 1, got ${n}`);
}

// GPipe: F(0) … F(m−1), then B(0) … B(m−1), on every stage.
export function gpipeSchedule(p: number, m: number): Schedule {
  checkCount("gpipeSchedule", "p (stages)", p);
  checkCount("gpipeSchedule", "m (micro-batches)", m);
  const mbs = Array.from({ length: m }, (_, i) => i);
  return Array.from({ length: p }, () => [...mbs.map(F), ...mbs.map(B)]);
}

// 1F1B: warmup forwards, then steady state F, B, F, B, …, then the cooldown backwards.
// Stage s's warmup is p − s − 1: that many micro-batches are still on their way to the
// last stage when its first backward can start. Stage p−1 has no warmup: F(0), B(0), F(1), …
export function oneFOneBSchedule(p: number, m: number): Schedule {
  checkCount("oneFOneBSchedule", "p (stages)", p);
  checkCount("oneFOneBSchedule", "m (micro-batches)", m);
  const schedule: Schedule = [];
  for (let s = 0; s < p; s++) {
    const ops: Op[] = [];
    // #region exercise 1f1b-schedule
    const warmup = Math.min(p - s - 1, m);
    for (let mb = 0; mb < warmup; mb++) ops.push(F(mb));
    // steady state: the forward of micro-batch warmup + i, then the backward of i
    for (let i = 0; i < m - warmup; i++) ops.push(F(warmup + i), B(i));
    // cooldown: the backwards of the warmup micro-batches
    for (let mb = m - warmup; mb < m; mb++) ops.push(B(mb));
    // #endregion
    schedule.push(ops);
  }
  return schedule;
}

export interface OpTimes {
  tF: number; // time of one stage's forward on one micro-batch
  tB: number; // and of its backward (about 2·tF in a transformer: two products per weight)
}
export interface TimedOp extends Op {
  stage: number;
  start: number;
  end: number;
}
export interface Simulation {
  ops: TimedOp[][]; // [p][stage's ops]: in list order
  makespan: number; // when the last op ends
  busy: number; // Σ over stages of the time spent computing
  bubble: number; // (p·makespan − busy) / (p·makespan): the idle fraction of p devices
  peakHeld: number[]; // [p]: most micro-batches with F done and B not yet, at any time
}

// Each stage must run F(mb) and B(mb) exactly once for every mb in 0 .. m−1; returns m.
function checkOps(schedule: Schedule): number {
  if (schedule.length < 1) throw new Error("simulateSchedule: the schedule has no stages");
  let m = 0;
  schedule.forEach((ops, s) =>
    ops.forEach((op, i) => {
      if (op.kind !== "F" && op.kind !== "B")
        throw new Error(`simulateSchedule: stage ${s}, op ${i}: kind must be "F" or "B", got ${op.kind}`);
      if (!Number.isInteger(op.mb) || op.mb < 0)
        throw new Error(`simulateSchedule: stage ${s}, op ${i}: mb must be a whole number ≥ 0, got ${op.mb}`);
      m = Math.max(m, op.mb + 1);
    }),
  );
  schedule.forEach((ops, s) => {
    const seen = new Set<string>();
    for (const op of ops) {
      if (seen.has(name(op))) throw new Error(`simulateSchedule: stage ${s} runs ${name(op)} twice`);
      seen.add(name(op));
    }
    for (let mb = 0; mb < m; mb++)
      for (const op of [F(mb), B(mb)])
        if (!seen.has(name(op))) throw new Error(`simulateSchedule: stage ${s} never runs ${name(op)}`);
  });
  return m;
}

// Event simulation. An op starts when its stage is free and its dependencies are done:
//   start = max(end of the stage's previous op, end of each dependency),  end = start + t
// Sweeping the stages until none can move computes these in a valid order; a sweep that
// moves nobody while ops are left is a deadlock: a cycle of waits no time will break.
export function simulateSchedule(schedule: Schedule, { tF, tB }: OpTimes): Simulation {
  if (!(tF > 0 && tB > 0 && Number.isFinite(tF + tB)))
    throw new Error(`simulateSchedule: tF and tB must be finite and > 0, got ${tF} and ${tB}`);
  const m = checkOps(schedule);
  const p = schedule.length;
  // endF[s][mb], endB[s][mb]: when that op finished; NaN while it has not run
  const endF = Array.from({ length: p }, () => new Array<number>(m).fill(Number.NaN));
  const endB = Array.from({ length: p }, () => new Array<number>(m).fill(Number.NaN));
  // what must finish before stage s may run op, as [stage, op]
  const deps = (s: number, op: Op): [number, Op][] => {
    if (op.kind === "F") return s > 0 ? [[s - 1, F(op.mb)]] : []; // stage 0 reads the data
    const d: [number, Op][] = [[s, F(op.mb)]];
    if (s < p - 1) d.push([s + 1, B(op.mb)]); // stage p−1 starts from its own loss
    return d;
  };
  const endOf = (s: number, op: Op): number => (op.kind === "F" ? endF : endB)[s][op.mb];
  const ops: TimedOp[][] = schedule.map(() => []);
  const next = new Array<number>(p).fill(0); // index of stage s's next op in its list
  const free = new Array<number>(p).fill(0); // when stage s finished its last op
  for (let left = 2 * m * p; left > 0; ) {
    let moved = false;
    for (let s = 0; s < p; s++) {
      while (next[s] < schedule[s].length) {
        const op = schedule[s][next[s]];
        const ends = deps(s, op).map(([d, dep]) => endOf(d, dep));
        if (ends.some(Number.isNaN)) break;
        const start = Math.max(free[s], ...ends);
        const end = start + (op.kind === "F" ? tF : tB);
        (op.kind === "F" ? endF : endB)[s][op.mb] = end;
        ops[s].push({ ...op, stage: s, start, end });
        free[s] = end;
        next[s]++;
        left--;
        moved = true;
      }
    }
    if (!moved) throw deadlock(schedule, next, deps, endOf);
  }
  const makespan = Math.max(...free);
  const busy = p * m * (tF + tB);
  // held activations along stage s's list: +1 at each F, −1 at each B
  const peakHeld = schedule.map((list) => {
    let held = 0;
    let peak = 0;
    for (const op of list) peak = Math.max(peak, (held += op.kind === "F" ? 1 : -1));
    return peak;
  });
  return { ops, makespan, busy, bubble: (p * makespan - busy) / (p * makespan), peakHeld };
}

// Follows the waits from the first stuck stage, stage to stage, to their root: an op
// waiting for one later in its own list, or a cycle (a stage met twice); names that wait.
function deadlock(
  schedule: Schedule,
  next: number[],
  deps: (s: number, op: Op) => [number, Op][],
  endOf: (s: number, op: Op) => number,
): Error {
  const stuck = (s: number): [Op, number, Op] => {
    const op = schedule[s][next[s]];
    const [d, dep] = deps(s, op).find(([d, dep]) => Number.isNaN(endOf(d, dep))) as [number, Op];
    return [op, d, dep];
  };
  const seen = new Set<number>();
  let s = next.findIndex((i, st) => i < schedule[st].length);
  for (;;) {
    const [op, d, dep] = stuck(s);
    if (d === s || seen.has(d)) {
      const why =
        d === s
          ? `its own ${name(dep)}, later in its list`
          : `${name(dep)} of stage ${d}, itself stuck at ${name(stuck(d)[0])}`;
      return new Error(`simulateSchedule: stage ${s} waits forever at ${name(op)} for ${why}`);
    }
    seen.add(s);
    s = d;
  }
}

// A real computation to run on a schedule: a chain of p linear layers, one per stage,
//   x_{s+1} = W_s x_s      W_s: [dims[s+1], dims[s]] row-major, float64
// and the squared error of the last output, summed over micro-batches:
//   L = Σ_mb ½‖x_p − t‖²
// Backward, from δ_p = x_p − t (∂L/∂x_p):  dW_s += δ_{s+1} x_sᵀ,  δ_s = W_sᵀ δ_{s+1}
export interface Chain {
  dims: number[]; // [p + 1]
  W: Float64Array[]; // [p]
}
export interface PipelineGradients {
  loss: number;
  dW: Float64Array[]; // [p]: shaped like W
  peakHeld: number[]; // [p]: most inputs x_s a stage kept at once, counted on the real maps
}

// Runs the schedule's ops one by one in the order the simulation started them (any
// order that respects the dependencies would do: each op only reads what an earlier one
// sent). Stage s adds to dW_s at each of its B(mb); GPipe and 1F1B both run a stage's
// backwards in mb order, so the sum goes in the order a plain loop over micro-batches adds.
export function pipelineGradients(
  schedule: Schedule,
  { dims, W }: Chain,
  xs: Float64Array[], // [m][dims[0]]: the micro-batches' inputs
  ts: Float64Array[], // [m][dims[p]]: their targets
): PipelineGradients {
  const p = schedule.length;
  if (W.length !== p || dims.length !== p + 1)
    throw new Error(`pipelineGradients: ${p} stages need ${p} weights and ${p + 1} dims`);
  const sim = simulateSchedule(schedule, { tF: 1, tB: 1 }); // validates the schedule
  const m = sim.ops[0].length / 2;
  if (xs.length !== m || ts.length !== m)
    throw new Error(
      `pipelineGradients: the schedule has ${m} micro-batches, got ${xs.length} inputs and ${ts.length} targets`,
    );
  const order = sim.ops.flat().sort((a, b) => a.start - b.start || a.stage - b.stage);
  const sent = Array.from({ length: p }, () => new Map<number, Float64Array>()); // stage s's output x_{s+1}
  const held = Array.from({ length: p }, () => new Map<number, Float64Array>()); // x_s, from F to B
  const grad = Array.from({ length: p }, () => new Map<number, Float64Array>()); // δ_{s+1}, sent to stage s
  const dW = W.map((w) => new Float64Array(w.length));
  const peakHeld = new Array<number>(p).fill(0);
  let loss = 0;
  for (const { stage: s, kind, mb } of order) {
    const [nIn, nOut] = [dims[s], dims[s + 1]];
    if (kind === "F") {
      const x = s === 0 ? xs[mb] : (sent[s - 1].get(mb) as Float64Array);
      if (s > 0) sent[s - 1].delete(mb);
      held[s].set(mb, x);
      peakHeld[s] = Math.max(peakHeld[s], held[s].size);
      const y = new Float64Array(nOut); // [dims[s+1]] = W_s [dims[s+1], dims[s]] · x [dims[s]]
      for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) y[i] += W[s][i * nIn + j] * x[j];
      if (s < p - 1) sent[s].set(mb, y);
      else {
        // the last stage ends its forward with the loss, and so holds δ_p for its own B(mb)
        const d = y.map((v, i) => v - ts[mb][i]);
        loss += 0.5 * d.reduce((a, v) => a + v * v, 0);
        grad[s].set(mb, d);
      }
    } else {
      const d = grad[s].get(mb) as Float64Array; // δ_{s+1}: [dims[s+1]]
      const x = held[s].get(mb) as Float64Array; // x_s: [dims[s]]
      grad[s].delete(mb);
      held[s].delete(mb); // the activations are freed here: what 1F1B does sooner than GPipe
      for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) dW[s][i * nIn + j] += d[i] * x[j];
      if (s > 0) {
        const dx = new Float64Array(nIn); // δ_s = W_sᵀ δ_{s+1}
        for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) dx[j] += W[s][i * nIn + j] * d[i];
        grad[s - 1].set(mb, dx);
      }
    }
  }
  return { loss, dW, peakHeld };
}
