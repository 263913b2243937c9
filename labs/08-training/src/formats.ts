// Half-precision number formats, rounded by hand on the bits (IEEE 754-2008 binary16, and
// Google Brain's bfloat16).
//
//   float32   1 sign | 8 exponent (bias 127) | 23 mantissa    max 3.4e38, ε = 2^-23
//   fp16      1 sign | 5 exponent (bias 15)  | 10 mantissa    max 65504,  ε = 2^-10
//   bf16      1 sign | 8 exponent (bias 127) |  7 mantissa    max 3.4e38, ε = 2^-7
//
// A normal fp16 value is (−1)^s · 2^(E−15) · (1 + m/1024) for E = 1 … 30; E = 0 holds the
// subnormals m · 2^-24 (so the smallest positive fp16 is 2^-24 ≈ 5.96e-8, the smallest
// normal 2^-14), E = 31 holds ±inf (m = 0) and NaN (m ≠ 0). bf16 is simply the top half of
// a float32: same exponent, so the same range, but only 8 bits of precision.
//
// Rounding is round-to-nearest, ties-to-even (RNE), what IEEE 754 and every GPU cast use:
// keep the bits that fit, look at the ones that fall off. More than half an ulp rounds up,
// less rounds down, exactly half rounds to whichever neighbour has an even last bit, so
// that ties do not all drift the same way. A carry out of the mantissa bumps the exponent,
// which is how 65520 becomes inf and how the largest subnormal becomes 2^-14.
//
// The input is a float32, as in a real cast: a JS number (float64) is first rounded to
// float32 (Math.fround, done by the Float32Array store), then to 16 bits.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer); // the same 4 bytes, read as an integer

// The bit pattern of Math.fround(x).
export function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

export function bitsToFloat32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

// float32 → fp16 bit pattern (0 … 0xffff), round-to-nearest-even.
export function toFp16Bits(x: number): number {
  const u = float32Bits(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff; // float32's biased exponent
  const mant = u & 0x7fffff; // its 23 mantissa bits
  // inf stays inf; NaN stays NaN, quiet (bit 9 set) with the top of its payload kept, as x86's F16C does
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  // #region exercise fp16-round
  const E = exp - 127 + 15; // the fp16 biased exponent, before rounding
  if (E >= 31) return sign | 0x7c00; // ≥ 2^16: too large for any fp16, overflows to ±inf
  if (E <= 0) {
    // subnormal: the value is sig · 2^(exp−150) with the implicit 1 made explicit, and
    // m = value / 2^-24 = sig · 2^(exp−126) = sig >> shift, shift = 126 − exp ≥ 14
    const shift = 126 - exp;
    if (shift > 24) return sign; // below 2^-25, less than half the smallest subnormal: ±0
    const sig = mant | 0x800000;
    let m = sig >>> shift;
    const rest = sig & ((1 << shift) - 1); // the bits that fall off
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && m & 1)) m++; // m = 1024 is the smallest normal: still right
    return sign | m;
  }
  // normal: keep the top 10 of the 23 mantissa bits, round on the 13 that fall off
  let h = (E << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry may reach E = 31: ±inf
  return sign | h;
  // #endregion
}

// fp16 bit pattern → its exact value (every fp16 is exactly a float32 and a float64).
export function fp16BitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const E = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (E === 0) return sign * m * 2 ** -24; // ±0 and the subnormals
  if (E === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + m / 1024) * 2 ** (E - 15);
}

// The fp16 value nearest to the float32 nearest to x.
export function roundFp16(x: number): number {
  return fp16BitsToFloat(toFp16Bits(x));
}

// float32 → bf16 bit pattern: the top 16 bits of the float32, rounded on the low 16.
export function toBf16Bits(x: number): number {
  const u = float32Bits(x);
  // NaN: the quiet NaN of its sign, as ORT writes it (rounding a payload could carry it into
  // the sign bit, or truncating it could leave inf)
  if ((u & 0x7f800000) === 0x7f800000 && u & 0x7fffff) return ((u >>> 16) & 0x8000) | 0x7fc0;
  // #region exercise bf16-round
  let b = u >>> 16;
  const rest = u & 0xffff; // the 16 mantissa bits that fall off
  if (rest > 0x8000 || (rest === 0x8000 && b & 1)) b++; // a carry into the exponent is correct, up to ±inf
  return b;
  // #endregion
}

// bf16 bit pattern → its exact value: put the 16 bits back on top of a float32.
export function bf16BitsToFloat(bits: number): number {
  return bitsToFloat32((bits & 0xffff) << 16);
}

export function roundBf16(x: number): number {
  return bf16BitsToFloat(toBf16Bits(x));
}

// Array versions: x [n] → bits [n] or rounded values [n].
export function toFp16BitsArray(x: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = toFp16Bits(x[i]);
  return out;
}

export function toBf16BitsArray(x: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = toBf16Bits(x[i]);
  return out;
}

export type HalfFormat = "fp16" | "bf16";

// x rounded to fp16 or bf16, written back as float32 (what "stored in half precision" means
// to a float32 kernel that reads it).
export function roundArray(x: ArrayLike<number>, format: HalfFormat): Float32Array {
  const out = new Float32Array(x.length);
  const round = format === "fp16" ? roundFp16 : roundBf16;
  for (let i = 0; i < x.length; i++) out[i] = round(x[i]);
  return out;
}

// In place, for the big arrays of a training step.
export function roundInPlace(x: Float32Array, format: HalfFormat): Float32Array {
  const round = format === "fp16" ? roundFp16 : roundBf16;
  for (let i = 0; i < x.length; i++) x[i] = round(x[i]);
  return x;
}
