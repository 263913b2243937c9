import { describe, expect, it } from "vitest";
import {
  affineParams,
  dynamicQuantizeLinear,
  INT8,
  intN,
  UINT8,
  quantizeValue,
  symmetricParams,
  uintN,
} from "../src/quantize.ts";
import { dequantizeTensor, quantizeTensor, quantizeWith, type Granularity } from "../src/granularity.ts";
import { ortDequantizeLinear, ortDynamicQuantizeLinear, ortQuantizeLinear } from "../src/ort-reference.ts";
import { randomArray, randomInts, targetModel } from "./util.ts";

describe("exercise: quantize-affine", () => {
  it("maps [min, max] onto the uint8 grid (hand calculation)", () => {
    // range [-1, 3]: s = 4/255, z = round(0 - (-1)/(4/255)) = round(63.75) = 64
    const p = affineParams(-1, 3, UINT8);
    expect(p.scale).toBe(Math.fround(4 / 255));
    expect(p.zeroPoint).toBe(64);
    expect(quantizeValue(0, p, UINT8)).toBe(64); // zero is exact
    expect(quantizeValue(3, p, UINT8)).toBe(255);
    expect(quantizeValue(100, p, UINT8)).toBe(255); // saturates, does not wrap
    expect(quantizeValue(-100, p, UINT8)).toBe(0);
  });
  it("widens a positive-only range to include 0", () => {
    const p = affineParams(2, 4, UINT8); // range becomes [0, 4]
    expect(p.zeroPoint).toBe(0);
    expect(p.scale).toBe(Math.fround(4 / 255));
  });
  it("rounds ties to even: 2.5·s → 2 and 3.5·s → 4 with scale 1", () => {
    const p = { scale: 1, zeroPoint: 0 };
    expect(quantizeValue(2.5, p, INT8)).toBe(2);
    expect(quantizeValue(3.5, p, INT8)).toBe(4);
    expect(quantizeValue(200, p, INT8)).toBe(127);
    expect(quantizeValue(-200, p, INT8)).toBe(-128);
  });
  it("symmetric absmax puts max|x| at ±qmax", () => {
    const p = symmetricParams(2.54, INT8);
    expect(p.zeroPoint).toBe(0);
    expect(quantizeValue(-2.54, p, INT8)).toBe(-127);
    expect(quantizeValue(2.54, p, INT8)).toBe(127);
  });
  it("rejects bits outside 2–8 and NaN inputs", () => {
    expect(() => uintN(9)).toThrow(/2 to 8/);
    expect(() => uintN(1)).toThrow(/2 to 8/);
    expect(() => quantizeTensor([1, NaN], 1, 2, { kind: "tensor" }, INT8)).toThrow(/NaN/);
    expect(() => quantizeTensor([1, Infinity], 1, 2, { kind: "tensor" }, INT8)).toThrow(/Infinity/);
  });
});

// Random inputs with exact ties: multiples of scale/2 so x/s lands on k + 0.5.
function tieInputs(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from(randomInts(n, seed, -600, 600), (k) => (k / 2) * scale);
}

describe("bit-exact against ONNX Runtime QuantizeLinear / DequantizeLinear (opset 21)", () => {
  const R = 8;
  const C = 32;
  const cases: { name: string; g: Granularity }[] = [
    { name: "per tensor", g: { kind: "tensor" } },
    { name: "per axis 0", g: { kind: "axis", axis: 0 } },
    { name: "per axis 1", g: { kind: "axis", axis: 1 } },
    { name: "blocked axis 1, 8", g: { kind: "block", axis: 1, blockSize: 8 } },
    { name: "blocked axis 0, 4", g: { kind: "block", axis: 0, blockSize: 4 } },
  ];
  for (const { name, g } of cases)
    for (const t of ["int8", "uint8"] as const)
      it(`${name}, ${t}: random values and exact .5 ties`, async () => {
        const type = t === "int8" ? INT8 : UINT8;
        const x = randomArray(R * C, 11, 3);
        const ties = tieInputs(R * C, 12, 0.25); // scale 0.25 below makes every x/s a multiple of 0.5
        for (const input of [x, ties]) {
          const qt = quantizeTensor(input, R, C, g, type, t === "int8");
          if (input === ties) qt.scales.fill(0.25);
          const ours = quantizeWith(input, R, C, g, qt.scales, qt.zeroPoints, type);
          const theirs = await ortQuantizeLinear(input, R, C, g, qt.scales, qt.zeroPoints, t);
          expect(Array.from(ours)).toEqual(Array.from(theirs));
          const back = dequantizeTensor({ ...qt, q: ours });
          const ortBack = await ortDequantizeLinear(ours, R, C, g, qt.scales, qt.zeroPoints, t);
          expect(Array.from(back)).toEqual(Array.from(ortBack));
        }
        // the tie set really contains ties, and some saturate
        expect(Array.from(ties).some((v) => Math.abs((v / 0.25) % 1) === 0.5)).toBe(true);
      });
});

describe("bit-exact against ONNX Runtime at 4 bits (int4 / uint4, opset 21)", () => {
  const R = 8;
  const C = 32;
  const cases: { name: string; g: Granularity }[] = [
    { name: "per tensor", g: { kind: "tensor" } },
    { name: "per axis 1", g: { kind: "axis", axis: 1 } },
    { name: "blocked axis 0, 4", g: { kind: "block", axis: 0, blockSize: 4 } },
    { name: "blocked axis 1, 16", g: { kind: "block", axis: 1, blockSize: 16 } },
  ];
  for (const { name, g } of cases)
    for (const t of ["int4", "uint4"] as const)
      it(`${name}, ${t}: random values, .5 ties and saturation`, async () => {
        const type = t === "int4" ? intN(4) : uintN(4);
        // ties with scale 0.25: every x/s is a multiple of ½, most far outside the 4-bit grid (saturation)
        for (const [input, fixedScale] of [
          [randomArray(R * C, 13, 3), 0],
          [tieInputs(R * C, 14, 0.25), 0.25],
        ] as const) {
          const qt = quantizeTensor(input, R, C, g, type, t === "int4");
          if (fixedScale) qt.scales.fill(fixedScale);
          const ours = quantizeWith(input, R, C, g, qt.scales, qt.zeroPoints, type);
          expect(Array.from(ours)).toEqual(
            Array.from(await ortQuantizeLinear(input, R, C, g, qt.scales, qt.zeroPoints, t)),
          );
          const back = dequantizeTensor({ ...qt, q: ours });
          expect(Array.from(back)).toEqual(
            Array.from(await ortDequantizeLinear(ours, R, C, g, qt.scales, qt.zeroPoints, t)),
          );
        }
      });
});

describe("DynamicQuantizeLinear, bit-exact against ONNX Runtime", () => {
  it("picks the same scale, zero point and integers (random, shifted, hand case)", async () => {
    // [−1, 3, 0.5, 2.5]: s = 4/255, z = round(1/s) = round(63.75) = 64; 0.5/s = 31.875 → 32 + 64 = 96
    const hand = dynamicQuantizeLinear([-1, 3, 0.5, 2.5]);
    expect(hand.scale).toBe(Math.fround(4 / 255));
    expect(hand.zeroPoint).toBe(64);
    expect(Array.from(hand.y)).toEqual([0, 255, 96, 223]);
    // the target's weights are a case where (max − min)/255 computed in double, then rounded,
    // lands one float32 ulp away from ORT's all-float32 arithmetic
    const real = Float32Array.from(targetModel().params.h[0].c_attn.weight.subarray(0, 8192));
    const hi = Math.max(...real, 0);
    const lo = Math.min(...real, 0);
    expect(Math.fround(Math.fround(hi - lo) / 255)).not.toBe(Math.fround((hi - lo) / 255));
    for (const x of [
      randomArray(500, 21, 2),
      randomArray(500, 22, 0.3).map((v) => v + 1),
      Float32Array.from([-1, -2, -0.25]),
      real,
    ]) {
      const ours = dynamicQuantizeLinear(x);
      const ort = await ortDynamicQuantizeLinear(x);
      expect([ours.scale, ours.zeroPoint]).toEqual([ort.scale, ort.zeroPoint]);
      expect(Array.from(ours.y)).toEqual(Array.from(ort.y));
    }
  });
  it("all-zero input: the spec's formula divides 0 by 0; ORT (and we) use scale 1, zero point 0", async () => {
    const x = new Float32Array(5);
    const ort = await ortDynamicQuantizeLinear(x);
    const ours = dynamicQuantizeLinear(x);
    expect(ort).toEqual({ y: new Uint8Array(5), scale: 1, zeroPoint: 0 });
    expect(ours).toEqual(ort);
    expect(() => dynamicQuantizeLinear([1, NaN])).toThrow(/element 1 is NaN/);
  });
});
