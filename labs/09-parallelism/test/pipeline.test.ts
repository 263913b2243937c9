// Exercise 1f1b-schedule: src/pipeline.ts.
//
// The bubble, by hand, for p = 4 stages and m = 8 micro-batches, tF = tB = 1 (GPipe):
//   stage s starts F(mb) at s + mb: the last forward, F(3, mb 7), ends at 3 + 8 = 11
//   the backwards run the same wave in reverse: B(3, mb 0) starts at 11, and stage 0's
//   last backward, B(0, mb 7), ends at 11 + 3 + 8 = 22 = (m + p − 1)·(tF + tB)
//   busy: each stage computes m·(tF + tB) = 16, so 4·16 = 64 of 4·22 = 88 device-units
//   bubble = (88 − 64) / 88 = 24/88 = 3/11 = (p − 1)/(m + p − 1)
// 1F1B reorders the same ops and idles exactly as much; it holds fewer activations.
import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import {
  type Chain,
  gpipeSchedule,
  oneFOneBSchedule,
  type Op,
  pipelineGradients,
  type Schedule,
  simulateSchedule,
} from "../src/pipeline.ts";

const f = (mb: number): Op => ({ kind: "F", mb });
const b = (mb: number): Op => ({ kind: "B", mb });
const shapes: [number, number][] = [
  [1, 1],
  [1, 5],
  [2, 1],
  [2, 3],
  [3, 3],
  [4, 2],
  [4, 4],
  [4, 8],
  [4, 16],
  [8, 3],
  [8, 32],
];

// Every stage runs F(mb) and B(mb) exactly once for each mb in 0 .. m−1.
function expectEveryOpOnce(schedule: Schedule, p: number, m: number): void {
  expect(schedule.length).toBe(p);
  const want = [
    ...Array.from({ length: m }, (_, mb) => `F${mb}`),
    ...Array.from({ length: m }, (_, mb) => `B${mb}`),
  ].sort();
  for (const ops of schedule) expect(ops.map((o) => `${o.kind}${o.mb}`).sort()).toEqual(want);
}

// The plain loop the pipeline must reproduce: for each micro-batch in turn, the whole
// forward through all p layers, the loss, the whole backward, dW_s += δ_{s+1} x_sᵀ.
function plainGradients({ dims, W }: Chain, xs: Float64Array[], ts: Float64Array[]) {
  const p = W.length;
  const dW = W.map((w) => new Float64Array(w.length));
  let loss = 0;
  for (let mb = 0; mb < xs.length; mb++) {
    const acts = [xs[mb]];
    for (let s = 0; s < p; s++) {
      const y = new Float64Array(dims[s + 1]);
      for (let i = 0; i < dims[s + 1]; i++)
        for (let j = 0; j < dims[s]; j++) y[i] += W[s][i * dims[s] + j] * acts[s][j];
      acts.push(y);
    }
    let d = acts[p].map((v, i) => v - ts[mb][i]);
    loss += 0.5 * d.reduce((a, v) => a + v * v, 0);
    for (let s = p - 1; s >= 0; s--) {
      const dx = new Float64Array(dims[s]);
      for (let i = 0; i < dims[s + 1]; i++)
        for (let j = 0; j < dims[s]; j++) {
          dW[s][i * dims[s] + j] += d[i] * acts[s][j];
          dx[j] += W[s][i * dims[s] + j] * d[i];
        }
      d = dx;
    }
  }
  return { loss, dW };
}

// A 4-stage chain 3 → 5 → 4 → 6 → 2 and 6 micro-batches, all seeded normals.
const rng = new Rng(9);
const normals = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal(0, 0.7));
const dims = [3, 5, 4, 6, 2];
const chain: Chain = { dims, W: [0, 1, 2, 3].map((s) => normals(dims[s + 1] * dims[s])) };
const xs = Array.from({ length: 6 }, () => normals(3));
const ts = Array.from({ length: 6 }, () => normals(2));

describe("exercise: 1f1b-schedule", () => {
  it("writes out p = 2, m = 3 by hand: one forward ahead on stage 0, none on stage 1", () => {
    // stage 0: warmup min(2 − 0 − 1, 3) = 1: F0; steady: F1 B0, F2 B1; cooldown: B2
    // stage 1: warmup 0; steady: F0 B0, F1 B1, F2 B2; no cooldown
    expect(oneFOneBSchedule(2, 3)).toEqual([
      [f(0), f(1), b(0), f(2), b(1), b(2)],
      [f(0), b(0), f(1), b(1), f(2), b(2)],
    ]);
  });

  it("writes out p = 4, m = 5 on stage 0 and stage 2 by hand", () => {
    // stage 0: warmup 3: F0 F1 F2; steady (5 − 3 = 2 pairs): F3 B0, F4 B1; cooldown: B2 B3 B4
    // stage 2: warmup 1: F0; steady (4 pairs): F1 B0, F2 B1, F3 B2, F4 B3; cooldown: B4
    const s = oneFOneBSchedule(4, 5);
    expect(s[0]).toEqual([f(0), f(1), f(2), f(3), b(0), f(4), b(1), b(2), b(3), b(4)]);
    expect(s[2]).toEqual([f(0), f(1), b(0), f(2), b(1), f(3), b(2), f(4), b(3), b(4)]);
  });

  it("times p = 2, m = 3 by hand with tF = tB = 1", () => {
    // stage 0 F0 [0,1]  F1 [1,2]                stage 1 F0 [1,2] (after F(0, 0))  B0 [2,3]
    // stage 0 B0 [3,4] (after B(1, 0) at 3)     stage 1 F1 [3,4] (free at 3)      B1 [4,5]
    // stage 0 F2 [4,5]  B1 [5,6] (after B(1,1)) stage 1 F2 [5,6] (after F(0, 2))  B2 [6,7]
    // stage 0 B2 [7,8]: makespan 8 = (3 + 2 − 1)·2, bubble (2·8 − 12)/(2·8) = 1/4
    const sim = simulateSchedule(oneFOneBSchedule(2, 3), { tF: 1, tB: 1 });
    expect(sim.ops.map((ops) => ops.map((o) => o.start))).toEqual([
      [0, 1, 3, 4, 5, 7],
      [1, 2, 3, 4, 5, 6],
    ]);
    expect(sim.makespan).toBe(8);
    expect(sim.bubble).toBe(1 / 4);
  });

  it("contains every F and B of every micro-batch exactly once per stage, and never deadlocks", () => {
    for (const [p, m] of shapes) {
      const s = oneFOneBSchedule(p, m);
      expectEveryOpOnce(s, p, m);
      expect(() => simulateSchedule(s, { tF: 1, tB: 2 })).not.toThrow();
    }
  });

  it("has GPipe's bubble (p − 1)/(m + p − 1), with tB = tF and with tB = 2·tF", () => {
    // p = 4, m = 8: 3/11, as worked at the top of this file
    expect(simulateSchedule(oneFOneBSchedule(4, 8), { tF: 1, tB: 1 }).bubble).toBe(3 / 11);
    for (const [p, m] of shapes)
      for (const times of [
        { tF: 1, tB: 1 },
        { tF: 1, tB: 2 },
      ]) {
        const sim = simulateSchedule(oneFOneBSchedule(p, m), times);
        expect(sim.makespan).toBe((m + p - 1) * (times.tF + times.tB));
        expect(sim.bubble).toBe((p - 1) / (m + p - 1));
      }
  });

  it("holds p − s micro-batches' activations on stage s (m ≥ p), and at most m", () => {
    // stage s is p − s − 1 forwards ahead, and its steady state's F comes before its B:
    // p − s held at the moment of each steady-state F. With m < p the warmup is cut at m.
    expect(simulateSchedule(oneFOneBSchedule(4, 8), { tF: 1, tB: 2 }).peakHeld).toEqual([4, 3, 2, 1]);
    for (const [p, m] of shapes) {
      const sim = simulateSchedule(oneFOneBSchedule(p, m), { tF: 1, tB: 2 });
      expect(sim.peakHeld).toEqual(Array.from({ length: p }, (_, s) => Math.min(p - s, m)));
    }
  });

  it("runs the chain's real backward to the plain loop's gradients, bit for bit", () => {
    const want = plainGradients(chain, xs, ts);
    const got = pipelineGradients(oneFOneBSchedule(4, 6), chain, xs, ts);
    expect(got.dW).toEqual(want.dW);
    expect(got.loss).toBe(want.loss);
    expect(got.peakHeld).toEqual([4, 3, 2, 1]);
  });
});

describe("GPipe and the simulator", () => {
  it("GPipe runs all forwards, then all backwards, in micro-batch order", () => {
    expect(gpipeSchedule(2, 3)).toEqual([
      [f(0), f(1), f(2), b(0), b(1), b(2)],
      [f(0), f(1), f(2), b(0), b(1), b(2)],
    ]);
    for (const [p, m] of shapes) expectEveryOpOnce(gpipeSchedule(p, m), p, m);
  });

  it("times GPipe's forward wave by hand: F(s, mb) starts at s + mb", () => {
    const sim = simulateSchedule(gpipeSchedule(4, 8), { tF: 1, tB: 1 });
    for (let s = 0; s < 4; s++)
      for (let mb = 0; mb < 8; mb++) expect(sim.ops[s][mb]).toMatchObject({ kind: "F", mb, start: s + mb });
    // the top of the file: makespan 22, busy 64, bubble 3/11
    expect([sim.makespan, sim.busy, sim.bubble]).toEqual([22, 64, 3 / 11]);
  });

  it("GPipe's bubble is (p − 1)/(m + p − 1), with tB = tF and with tB = 2·tF", () => {
    for (const [p, m] of shapes)
      for (const times of [
        { tF: 1, tB: 1 },
        { tF: 1, tB: 2 },
      ]) {
        const sim = simulateSchedule(gpipeSchedule(p, m), times);
        expect(sim.makespan).toBe((m + p - 1) * (times.tF + times.tB));
        expect(sim.bubble).toBe((p - 1) / (m + p - 1));
      }
  });

  it("GPipe holds all m micro-batches' activations on every stage", () => {
    for (const [p, m] of shapes)
      expect(simulateSchedule(gpipeSchedule(p, m), { tF: 1, tB: 2 }).peakHeld).toEqual(new Array(p).fill(m));
  });

  it("rejects a schedule that deadlocks, naming the stage and the op", () => {
    // stage 1 lists B(0) before its own F(0): B needs the activations F keeps. Stage 0 is
    // stuck too (its B(0) waits for stage 1's), but the message follows the waits to the root
    expect(() =>
      simulateSchedule(
        [
          [f(0), b(0)],
          [b(0), f(0)],
        ],
        { tF: 1, tB: 1 },
      ),
    ).toThrow("simulateSchedule: stage 1 waits forever at B(mb 0) for its own F(mb 0), later in its list");
    // a cycle across stages: stage 0's B(0) waits for stage 1's B(0), which comes after
    // stage 1's F(1), which waits for stage 0's F(1), which comes after stage 0's B(0);
    // the message names the wait that closes the cycle
    const cycle = [
      [f(0), b(0), f(1), b(1)],
      [f(0), f(1), b(0), b(1)],
    ];
    expect(() => simulateSchedule(cycle, { tF: 1, tB: 1 })).toThrow(
      "simulateSchedule: stage 1 waits forever at F(mb 1) for F(mb 1) of stage 0, itself stuck at B(mb 0)",
    );
  });

  it("rejects invalid ops, duplicates and missing ones", () => {
    const t = { tF: 1, tB: 1 };
    expect(() => simulateSchedule([[f(0), { kind: "X", mb: 0 } as unknown as Op]], t)).toThrow(
      'simulateSchedule: stage 0, op 1: kind must be "F" or "B", got X',
    );
    expect(() => simulateSchedule([[f(-1), b(-1)]], t)).toThrow(
      "simulateSchedule: stage 0, op 0: mb must be a whole number ≥ 0, got -1",
    );
    expect(() => simulateSchedule([[f(0), f(0), b(0)]], t)).toThrow(
      "simulateSchedule: stage 0 runs F(mb 0) twice",
    );
    expect(() =>
      simulateSchedule(
        [
          [f(0), b(0)],
          [f(0), b(0), f(1), b(1)],
        ],
        t,
      ),
    ).toThrow("simulateSchedule: stage 0 never runs F(mb 1)");
    expect(() => simulateSchedule([], t)).toThrow("simulateSchedule: the schedule has no stages");
    expect(() => simulateSchedule(gpipeSchedule(2, 2), { tF: 0, tB: 1 })).toThrow(
      "simulateSchedule: tF and tB must be finite and > 0, got 0 and 1",
    );
  });

  it("rejects p and m that are not whole numbers ≥ 1", () => {
    expect(() => gpipeSchedule(0, 4)).toThrow("gpipeSchedule: p (stages) must be a whole number ≥ 1, got 0");
    expect(() => gpipeSchedule(2, 2.5)).toThrow(
      "gpipeSchedule: m (micro-batches) must be a whole number ≥ 1, got 2.5",
    );
    expect(() => oneFOneBSchedule(Number.NaN, 4)).toThrow(
      "oneFOneBSchedule: p (stages) must be a whole number ≥ 1, got NaN",
    );
    expect(() => oneFOneBSchedule(4, 0)).toThrow(
      "oneFOneBSchedule: m (micro-batches) must be a whole number ≥ 1, got 0",
    );
  });
});

describe("pipelineGradients: a real chain of linear layers", () => {
  it("GPipe gives the plain loop's loss and gradients bit for bit, holding m inputs per stage", () => {
    // each stage adds its micro-batches' δ xᵀ in mb order, as the plain loop does, and every
    // product is the same float64 operation: the same bits, not merely close ones
    const want = plainGradients(chain, xs, ts);
    const got = pipelineGradients(gpipeSchedule(4, 6), chain, xs, ts);
    expect(got.dW).toEqual(want.dW);
    expect(got.loss).toBe(want.loss);
    expect(got.peakHeld).toEqual([6, 6, 6, 6]);
  });

  it("matches central finite differences within 1e-6", () => {
    // L is quadratic in any single weight (the chain is linear in it), so the central
    // difference (L(w + h) − L(w − h)) / 2h is exact up to rounding, about 1e-16·L/h
    const h = 1e-4;
    const lossAt = (W: Float64Array[]) => plainGradients({ dims, W }, xs, ts).loss;
    const { dW } = pipelineGradients(oneFOneBSchedule(4, 6), chain, xs, ts);
    for (let s = 0; s < 4; s++)
      for (let k = 0; k < chain.W[s].length; k++) {
        const plus = chain.W.map((w) => w.slice());
        const minus = chain.W.map((w) => w.slice());
        plus[s][k] += h;
        minus[s][k] -= h;
        expect(Math.abs((lossAt(plus) - lossAt(minus)) / (2 * h) - dW[s][k])).toBeLessThan(1e-6);
      }
  });

  it("a valid schedule that runs backwards in reverse mb order adds in another order: equal up to rounding", () => {
    // B(s, mb) only needs B(s + 1, mb) and F(s, mb), so B(m−1) … B(0) on every stage is valid;
    // float addition is not associative, so the sums may differ in the last bits
    const reversed = gpipeSchedule(4, 6).map((ops) => [...ops.slice(0, 6), ...ops.slice(6).reverse()]);
    const want = plainGradients(chain, xs, ts);
    const got = pipelineGradients(reversed, chain, xs, ts);
    for (let s = 0; s < 4; s++)
      for (let k = 0; k < want.dW[s].length; k++) expect(got.dW[s][k]).toBeCloseTo(want.dW[s][k], 12);
  });

  it("rejects weights or micro-batches that do not fit the schedule", () => {
    expect(() => pipelineGradients(gpipeSchedule(3, 6), chain, xs, ts)).toThrow(
      "pipelineGradients: 3 stages need 3 weights and 4 dims",
    );
    expect(() => pipelineGradients(gpipeSchedule(4, 5), chain, xs, ts)).toThrow(
      "pipelineGradients: the schedule has 5 micro-batches, got 6 inputs and 6 targets",
    );
  });
});
