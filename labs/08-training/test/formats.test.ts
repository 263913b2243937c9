// Exercises fp16-round and bf16-round: src/formats.ts.
import { Rng } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import {
  bf16BitsToFloat,
  fp16BitsToFloat,
  roundBf16,
  roundFp16,
  toBf16Bits,
  toBf16BitsArray,
  toFp16Bits,
  toFp16BitsArray,
} from "../src/formats.ts";
import { ortCastBf16Bits, ortCastFp16Bits, ortFp16ToFloat } from "../src/ort-cast.ts";

// float32 values from their bit patterns (NaN payloads included)
const fromBits = (bits: number[]): Float32Array => new Float32Array(Uint32Array.from(bits).buffer);

// Edge cases for both formats: zeros, ties at 1, the ends of fp16's range, subnormals, inf, NaN.
const EDGES = [
  0,
  -0,
  1,
  -1,
  1 + 2 ** -11,
  1 + 3 * 2 ** -11,
  1 + 2 ** -8,
  1 + 3 * 2 ** -8,
  0.1,
  Math.PI,
  65504,
  65519,
  65520,
  -65520,
  65536,
  2 ** -14,
  1023 * 2 ** -24,
  1023.5 * 2 ** -24,
  2 ** -24,
  2 ** -25,
  2 ** -25 + 2 ** -40,
  3 * 2 ** -26,
  3 * 2 ** -25,
  1e-8,
  -1e-8,
  1e-30,
  3.4e38,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
];
const EDGE_BITS = [0x7f800001, 0xffc12345, 0x7fbfffff, 0x00000001, 0x807fffff, 0x7f7fffff, 0x7f7f8000];

// 100,000 float32s: a third with exponents from below fp16's smallest subnormal (2^-27) to
// past its overflow (2^17) and random mantissas; a third on exact ties (the bits below a
// random cut k = 13 … 24 are 100…0), where round-to-nearest-even matters; a third of fully
// random bit patterns (every float32 exponent, float32 subnormals, NaNs with payloads).
function randomFloats(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const sign = (rng.nextUint32() & 1) << 31;
    const exp = 127 - 27 + rng.int(27 + 18);
    let mant = rng.nextUint32() & 0x7fffff;
    const kind = i % 3;
    if (kind === 1) {
      const k = 13 + rng.int(12);
      mant = (mant & ~((1 << k) - 1)) | (1 << (k - 1));
    }
    bits[i] = kind === 2 ? rng.nextUint32() : (sign | (exp << 23) | mant) >>> 0;
  }
  return new Float32Array(bits.buffer);
}

// Bit-identical, except that any NaN equals any NaN: ORT's own NaN payload depends on where the
// element sits (its vectorised F16C path keeps the payload's top bits, as toFp16Bits does, while
// the scalar loop for the last n mod 8 elements writes 0x7e00), so a payload is no reference.
const fp16NaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const bf16NaN = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
const sameBits = (isNaN: (h: number) => boolean) => (a: number, b: number) =>
  a === b || (isNaN(a) && isNaN(b));
const countEqual = (a: Uint16Array, b: Uint16Array, same: (a: number, b: number) => boolean) =>
  a.reduce((n, v, i) => n + (same(v, b[i]) ? 1 : 0), 0);

describe("exercise: fp16-round", () => {
  it("rounds to nearest, ties to even, by hand", () => {
    // 1 = 2^0 · (1 + 0/1024): E = 15, m = 0 → 0 01111 0000000000 = 0x3c00
    expect(toFp16Bits(1)).toBe(0x3c00);
    // fp16's ulp at 1 is 2^-10. 1 + 2^-11 lies exactly halfway between 1 (m = 0, even) and
    // 1 + 2^-10 (m = 1, odd): the tie goes to the even one, 1
    expect(toFp16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // just above the tie rounds up: 1 + 2^-11 + 2^-23 → 1 + 2^-10 (m = 1)
    expect(toFp16Bits(1 + 2 ** -11 + 2 ** -23)).toBe(0x3c01);
    // 1 + 3·2^-11 = 1 + 1.5·2^-10: halfway between m = 1 (odd) and m = 2 (even) → 1 + 2^-9
    expect(toFp16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(roundFp16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    // 0.1 = 1.6 · 2^-4: E = 11, m = 0.6 · 1024 = 614.4 → 614 = 0x266; (11 << 10) | 0x266 = 0x2e66,
    // whose value is (1 + 614/1024) / 16 = 0.0999755859375
    expect(toFp16Bits(0.1)).toBe(0x2e66);
    expect(roundFp16(0.1)).toBe(0.0999755859375);
    // the sign is just the top bit
    expect(toFp16Bits(-1)).toBe(0xbc00);
    expect(toFp16Bits(-0)).toBe(0x8000);
  });

  it("overflows to ±inf from 65520 on, and keeps 65504 (the fp16 max)", () => {
    // max = 2^15 · (1 + 1023/1024) = 65504 = 0 11110 1111111111 = 0x7bff
    expect(toFp16Bits(65504)).toBe(0x7bff);
    // the next step would be 2^16 = 65536, which does not exist; halfway is 65520.
    // 65519 is below it → 65504; 65520 is the tie, and 0x7bff is odd → the carry → 0x7c00 = inf
    expect(roundFp16(65519)).toBe(65504);
    expect(toFp16Bits(65520)).toBe(0x7c00);
    expect(roundFp16(65520)).toBe(Number.POSITIVE_INFINITY);
    expect(roundFp16(-65520)).toBe(Number.NEGATIVE_INFINITY);
    expect(roundFp16(1e6)).toBe(Number.POSITIVE_INFINITY);
    expect(toFp16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(Number.isNaN(roundFp16(Number.NaN))).toBe(true);
  });

  it("has subnormals down to 2^-24, and flushes what is below half of that to 0", () => {
    // smallest normal 2^-14 = 0 00001 0000000000; largest subnormal 1023 · 2^-24 = 0x03ff
    expect(toFp16Bits(2 ** -14)).toBe(0x0400);
    expect(toFp16Bits(1023 * 2 ** -24)).toBe(0x03ff);
    // 1023.5 · 2^-24: a tie between 1023 (odd) and 1024 → 1024 · 2^-24 = 2^-14, the carry into E = 1
    expect(toFp16Bits(1023.5 * 2 ** -24)).toBe(0x0400);
    // the smallest subnormal: m = 1
    expect(toFp16Bits(2 ** -24)).toBe(0x0001);
    expect(roundFp16(2 ** -24)).toBe(2 ** -24);
    // 2^-25 = 0.5 · 2^-24: a tie between 0 (even) and 2^-24 (odd) → 0
    expect(roundFp16(2 ** -25)).toBe(0);
    // a hair above the tie: → 2^-24
    expect(roundFp16(2 ** -25 + 2 ** -40)).toBe(2 ** -24);
    // 3 · 2^-26 = 0.75 · 2^-24 → 2^-24
    expect(roundFp16(3 * 2 ** -26)).toBe(2 ** -24);
    // 3 · 2^-25 = 1.5 · 2^-24: a tie between m = 1 and m = 2 → 2 · 2^-24
    expect(toFp16Bits(3 * 2 ** -25)).toBe(0x0002);
    // 1e-8 = 0.168 · 2^-24 → 0 (and -1e-8 → -0): a gradient this small is lost in fp16
    expect(roundFp16(1e-8)).toBe(0);
    expect(toFp16Bits(-1e-8)).toBe(0x8000);
  });

  it("decodes every one of the 65,536 patterns as ORT's Cast(float16 → float) does", async () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const ort = await ortFp16ToFloat(all);
    let same = 0;
    for (let i = 0; i < 65536; i++) {
      const v = fp16BitsToFloat(i);
      if (Object.is(v, ort[i]) || (Number.isNaN(v) && Number.isNaN(ort[i]))) same++;
    }
    expect(same).toBe(65536);
    // and every non-NaN fp16 survives the trip back: toFp16Bits(fp16BitsToFloat(h)) = h
    let back = 0;
    for (let h = 0; h < 65536; h++)
      if (Number.isNaN(fp16BitsToFloat(h)) || toFp16Bits(fp16BitsToFloat(h)) === h) back++;
    expect(back).toBe(65536);
  });

  it("is bit-identical to ONNX Runtime's Cast(float → float16) on the edge cases", async () => {
    const x = Float32Array.from([...EDGES, ...fromBits(EDGE_BITS)]);
    const ours = toFp16BitsArray(x);
    expect(countEqual(ours, await ortCastFp16Bits(x), sameBits(fp16NaN))).toBe(x.length);
    // and with the edges in the first lanes of 8, even the NaN payloads agree
    expect(Array.from(ours.subarray(0, 32))).toEqual(Array.from(await ortCastFp16Bits(x.subarray(0, 32))));
  });

  it("is bit-identical to ORT's Cast on 100,000 random float32s spanning the exponents", async () => {
    const x = randomFloats(100_000, 8);
    const same = countEqual(toFp16BitsArray(x), await ortCastFp16Bits(x), sameBits(fp16NaN));
    expect(`${same} of ${x.length} bit-identical`).toBe("100000 of 100000 bit-identical");
  });
});

describe("exercise: bf16-round", () => {
  it("keeps the top 16 bits and rounds on the low 16, ties to even, by hand", () => {
    // 1 = 0x3f800000 → 0x3f80. bf16's ulp at 1 is 2^-7; 1 + 2^-8 = 0x3f808000 is the tie
    // between 0x3f80 (even) and 0x3f81 (odd) → 1
    expect(toBf16Bits(1)).toBe(0x3f80);
    expect(toBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(roundBf16(1 + 2 ** -8 + 2 ** -20)).toBe(1 + 2 ** -7);
    // 1 + 3·2^-8 = 0x3f818000 = 1 + 1.5·2^-7: the tie between 0x3f81 (odd) and 0x3f82 → 1 + 2^-6
    expect(toBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    // π = 0x40490fdb: top half 0x4049, low half 0x0fdb < 0x8000 rounds down:
    // 0x4049 = 2 · (1 + 0x49/128) = 2 · (1 + 73/128) = 3.140625
    expect(toBf16Bits(Math.PI)).toBe(0x4049);
    expect(roundBf16(Math.PI)).toBe(3.140625);
    expect(bf16BitsToFloat(0x4049)).toBe(3.140625);
  });

  it("has float32's range: 1e-8 and 65520 survive, only the float32 top end overflows", () => {
    // 1e-8 has float32's exponent, so bf16 keeps it to 8 bits of precision (fp16 flushes it)
    expect(roundBf16(1e-8)).not.toBe(0);
    expect(Math.abs(roundBf16(1e-8) - 1e-8) / 1e-8).toBeLessThan(2 ** -8);
    // 65520 = 0x477ff000: top half 0x477f, low half 0xf000 > 0x8000 → 0x4780 = 2^16 (no overflow)
    expect(roundBf16(65520)).toBe(65536);
    // float32's max 0x7f7fffff: low half 0xffff > 0x8000 → carry into the exponent → 0x7f80 = inf
    expect(toBf16Bits(3.4028234663852886e38)).toBe(0x7f80);
    expect(toBf16Bits(Number.NEGATIVE_INFINITY)).toBe(0xff80);
    expect(Number.isNaN(roundBf16(Number.NaN))).toBe(true);
  });

  it("is bit-identical to ONNX Runtime's Cast(float → bfloat16) on the edge cases", async () => {
    const x = Float32Array.from([...EDGES, ...fromBits(EDGE_BITS)]);
    expect(countEqual(toBf16BitsArray(x), await ortCastBf16Bits(x), sameBits(bf16NaN))).toBe(x.length);
  });

  it("is bit-identical to ORT's Cast on 100,000 random float32s spanning the exponents", async () => {
    const x = randomFloats(100_000, 16);
    const same = countEqual(toBf16BitsArray(x), await ortCastBf16Bits(x), sameBits(bf16NaN));
    expect(`${same} of ${x.length} bit-identical`).toBe("100000 of 100000 bit-identical");
  });
});
