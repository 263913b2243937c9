import { describe, expect, it } from "vitest";
import { assignSlots, expertCapacity, moeForward, moeParams, type MoeWeights } from "../src/moe.ts";
import { ortMoe } from "../src/moe-ort.ts";
import { maxAbsDiff, randomArray } from "./util.ts";

// A hand-sized block: D = 2, I = 3 (I ≠ D, so that [in, out] and [out, in] differ), E = 2, k = 1,
// ReLU experts, the router W_r = identity: a token goes to the expert of its larger coordinate.
//
//   expert 0: G₀ = [[1, 0,  1],     D₀ = [[1, 0],
//                   [0, 1, −1]]           [0, 1],
//                                         [1, 1]]
//   expert 1: G₁ = [[1, 1, −1],     D₁ = [[1,  0],
//                   [0, 1,  0]]           [0, −1],
//                                         [2,  0]]
//
// token a = [2, 1] → logits [2, 1] → expert 0, gate 1 (k = 1, renormalized)
//   x·G₀ = [2, 1, 2 − 1] = [2, 1, 1], relu keeps all; · D₀ = 2·[1, 0] + 1·[0, 1] + 1·[1, 1] = [3, 2]
// token b = [1, 2] → expert 1
//   x·G₁ = [1, 1 + 2, −1] = [1, 3, −1] → relu [1, 3, 0]; · D₁ = [1, 0] + 3·[0, −1] = [1, −3]
const hand: MoeWeights = {
  D: 2,
  I: 3,
  E: 2,
  activation: "relu",
  Wr: Float32Array.from([1, 0, 0, 1]),
  Wg: Float32Array.from([1, 0, 1, 0, 1, -1, /* expert 1 */ 1, 1, -1, 0, 1, 0]),
  Wu: null,
  Wd: Float32Array.from([1, 0, 0, 1, 1, 1, /* expert 1 */ 1, 0, 0, -1, 2, 0]),
};
const handX = Float32Array.from([2, 1, 1, 2]);
const handY = [3, 2, 1, -3];

function randomBlock(
  activation: "swiglu" | "relu",
  D: number,
  I: number,
  E: number,
  seed: number,
): MoeWeights {
  return {
    D,
    I,
    E,
    activation,
    Wr: randomArray(D * E, seed, 1),
    Wg: randomArray(E * D * I, seed + 1, 0.3),
    Wu: activation === "swiglu" ? randomArray(E * D * I, seed + 2, 0.3) : null,
    Wd: randomArray(E * I * D, seed + 3, 0.3),
  };
}

describe("MoE block", () => {
  it("the hand-computed block: y = [[3, 2], [1, −3]]", () => {
    const { y, routing } = moeForward(handX, hand, 2, { k: 1 });
    expect(Array.from(routing.experts)).toEqual([0, 1]);
    expect(Array.from(y)).toEqual(handY);
  });

  it("ONNX Runtime's MoE reads [E, I, D] / [E, D, I] (out × in): only that layout gives the hand values", async () => {
    const right = await ortMoe(handX, hand, 2, 1, "out-in");
    for (let i = 0; i < 4; i++) expect(right[i]).toBeCloseTo(handY[i], 6);
    // ORT also accepts our own [E, D, I] / [E, I, D] shapes (its "legacy" shapes) without an
    // error, but it reads the memory as out × in anyway, so the answer is wrong.
    const wrong = await ortMoe(handX, hand, 2, 1, "in-out");
    expect(maxAbsDiff(wrong, Float32Array.from(handY))).toBeGreaterThan(0.5);
  });

  it("exact ties: ORT picks the higher expert index, we the lower (random inputs never tie)", async () => {
    // token [1, 1]: router logits [1, 1], a tie.
    //   expert 0 (ours): [1, 1]·G₀ = [1, 1, 0] → · D₀ = [1, 1]
    //   expert 1 (ORT):  [1, 1]·G₁ = [1, 2, −1] → relu [1, 2, 0] → · D₁ = [1, −2]
    // ORT sorts (probability, index) pairs with std::greater, so the larger index wins a tie.
    const x = Float32Array.from([1, 1]);
    expect(Array.from(moeForward(x, hand, 1, { k: 1 }).y)).toEqual([1, 1]);
    const ort = await ortMoe(x, hand, 1, 1);
    expect(ort[0]).toBeCloseTo(1, 6);
    expect(ort[1]).toBeCloseTo(-2, 6);
  });

  it("equals com.microsoft.MoE on random inputs: SwiGLU top-2 of 8 and ReLU top-1 of 4 (capacity off)", async () => {
    const N = 64;
    for (const [act, D, I, E, k] of [
      ["swiglu", 16, 24, 8, 2],
      ["relu", 12, 20, 4, 1],
    ] as const) {
      const w = randomBlock(act, D, I, E, 20);
      const x = randomArray(N * D, 30, 1);
      const ours = moeForward(x, w, N, { k }).y;
      const ort = await ortMoe(x, w, N, k);
      const d = maxAbsDiff(ours, ort);
      console.log(`MoE ${act} D=${D} I=${I} E=${E} k=${k} N=${N}: max |ours − ORT| = ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-5);
    }
  });

  it("active and total parameters: a token uses the router and k of the E experts", () => {
    // Mixtral-shaped, tiny: D = 4, I = 6, E = 8, k = 2 → 3·4·6 = 72 per expert, router 32
    expect(moeParams({ D: 4, I: 6, E: 8, activation: "swiglu" }, 2)).toEqual({
      total: 32 + 8 * 72,
      active: 32 + 144,
    });
  });
});

describe("exercise: expert-capacity", () => {
  it("N = 6, E = 2, k = 1, cf = 1 → C = 3: four tokens want expert 0, the fourth is dropped", () => {
    expect(expertCapacity(1, 6, 1, 2)).toBe(3);
    // choices, in token order: 0 0 1 0 0 1 → expert 0 takes tokens 0, 1, 3; token 4 finds it full
    const s = assignSlots(Int32Array.from([0, 0, 1, 0, 0, 1]), 6, 1, 2, 3);
    expect(Array.from(s.keep)).toEqual([1, 1, 1, 1, 0, 1]);
    expect(Array.from(s.wanted)).toEqual([4, 2]);
    expect(Array.from(s.kept)).toEqual([3, 2]);
    expect(s.dropped).toBe(1);
  });

  it("top-2: slots are claimed token by token, first choice before second", () => {
    // N = 4, E = 4, k = 2, cf = 1 → C = ceil(1 · 4 · 2 / 4) = 2
    //   t0: 0 ✓(1) 1 ✓(1)   t1: 0 ✓(2) 2 ✓(1)   t2: 0 ✗ full, 3 ✓(1)   t3: 1 ✓(2), 0 ✗ full
    expect(expertCapacity(1, 4, 2, 4)).toBe(2);
    const s = assignSlots(Int32Array.from([0, 1, 0, 2, 0, 3, 1, 0]), 4, 2, 4, 2);
    expect(Array.from(s.keep)).toEqual([1, 1, 1, 1, 0, 1, 1, 0]);
    expect(Array.from(s.kept)).toEqual([2, 2, 1, 1]);
    expect(s.dropped).toBe(2);
    // cf = 1.25, N = 10, k = 2, E = 8 → ceil(3.125) = 4
    expect(expertCapacity(1.25, 10, 2, 8)).toBe(4);
  });

  it("in the block: a dropped token gets 0 from that expert, the kept ones are untouched", () => {
    // the hand block, six tokens: four prefer expert 0 (x₀ > x₁), two expert 1; cf = 1 → C = 3
    const x = Float32Array.from([2, 1, 3, 1, 1, 2, 2, 0, 4, 1, 0, 1]);
    const free = moeForward(x, hand, 6, { k: 1 });
    const capped = moeForward(x, hand, 6, { k: 1, capacityFactor: 1 });
    expect(Array.from(free.routing.experts)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(capped.stats.capacity).toBe(3);
    expect(capped.stats.dropped).toBe(1);
    // token 4 = [4, 1] was the fourth to want expert 0: the block adds nothing (the residual carries x)
    expect(Array.from(capped.y.subarray(8, 10))).toEqual([0, 0]);
    expect(Array.from(free.y.subarray(8, 10))).not.toEqual([0, 0]);
    for (const t of [0, 1, 2, 3, 5])
      expect(Array.from(capped.y.subarray(2 * t, 2 * t + 2))).toEqual(
        Array.from(free.y.subarray(2 * t, 2 * t + 2)),
      );
  });

  it("top-2 in the block: losing one slot leaves the other gate as it was (no renormalization)", () => {
    const w = randomBlock("swiglu", 8, 12, 4, 40);
    const N = 16;
    const x = randomArray(N * 8, 41, 1);
    const free = moeForward(x, w, N, { k: 2 });
    const capped = moeForward(x, w, N, { k: 2, capacityFactor: 0.5 }); // C = ceil(0.5·16·2/4) = 4
    expect(capped.stats.capacity).toBe(4);
    expect(capped.stats.dropped).toBeGreaterThan(0);
    let checked = 0;
    for (let t = 0; t < N; t++) {
      const keep = [capped.stats.keep[2 * t], capped.stats.keep[2 * t + 1]];
      if (keep[0] + keep[1] !== 1) continue;
      // run the kept expert alone (k = 1 on a one-expert copy) and scale by its original gate
      const r = keep[0] ? 0 : 1;
      const e = free.routing.experts[2 * t + r];
      const single: MoeWeights = {
        ...w,
        E: 1,
        Wr: new Float32Array(8),
        Wg: w.Wg.slice(e * 96, (e + 1) * 96),
        Wu: (w.Wu as Float32Array).slice(e * 96, (e + 1) * 96),
        Wd: w.Wd.slice(e * 96, (e + 1) * 96),
      };
      const alone = moeForward(x.slice(8 * t, 8 * t + 8), single, 1, { k: 1 }).y;
      const gate = free.routing.weights[2 * t + r];
      for (let d = 0; d < 8; d++) expect(capped.y[8 * t + d]).toBeCloseTo(gate * alone[d], 5);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(capped.stats.kept.every((c) => c <= 4)).toBe(true);
  });
});
