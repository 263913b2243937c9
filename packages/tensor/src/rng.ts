// A seeded random number generator that gives the same numbers on every machine.
//
// Math.random cannot be seeded, so experiments with it cannot be repeated. We use
// mulberry32, a small public-domain generator by Tommy Ettinger (2017), the usual
// seeded generator in JavaScript (see https://stackoverflow.com/a/47593316): a 32-bit
// counter stepped by an odd constant (a Weyl sequence), then scrambled by
// xor-shifts and multiplications so the outputs look independent:
//
//   s  <- s + 0x6D2B79F5                          (mod 2^32)
//   z  <- (z ^ (z >>> 15)) · (z | 1)              (mod 2^32), starting from z = s
//   z  <- z ^ (z + (z ^ (z >>> 7)) · (z | 61))    (mod 2^32)
//   out = z ^ (z >>> 14)                          a uint32
//
// Only 32-bit integer operations (Math.imul multiplies mod 2^32, `| 0` and `>>> 0`
// wrap), so next() and int() are bit-identical on every JavaScript engine.
// The period is 2^32, plenty for a course; it is not for cryptography.

import { numel } from "./tensor.ts";
import type { Tensor } from "./tensor.ts";

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  // One step of mulberry32: a uniformly distributed uint32.
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  }

  // Uniform in [0, 1): the uint32 divided by 2^32.
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  // Uniform integer in [0, n). `floor(next() * n)` would favour some values
  // slightly when n does not divide 2^32; rejecting the top partial block of
  // uint32 values makes every residue equally likely.
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n); // largest multiple of n ≤ 2^32
    let u = this.nextUint32();
    while (u >= limit) u = this.nextUint32();
    return u % n;
  }

  // Normal(mean, std²) by the Box–Muller transform (Box & Muller 1958): for
  // independent uniforms u1 in (0, 1] and u2 in [0, 1),
  //
  //   z = sqrt(-2 ln u1) · cos(2π u2)
  //
  // is a standard normal. (The twin sqrt(-2 ln u1) · sin(2π u2) is discarded to keep
  // the state simple: every call uses exactly two uniforms.) u1 = 1 - next() avoids ln 0.
  // Math.log and Math.cos are not bit-specified by JavaScript, but V8 (Node)
  // implements them in software (fdlibm ports), identically on every platform.
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  // Fisher–Yates shuffle (Knuth, TAOCP vol. 2, Algorithm P), in place: for i from
  // the end down, swap xs[i] with a uniformly chosen xs[j], j ≤ i. Every one of
  // the n! orders is equally likely.
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = xs[i];
      xs[i] = xs[j];
      xs[j] = tmp;
    }
    return xs;
  }

  // Fills `a` with Normal(0, std²) samples, e.g. to initialise weights.
  fill(a: Float32Array, std = 1): Float32Array {
    for (let i = 0; i < a.length; i++) a[i] = this.normal(0, std);
    return a;
  }
}

// A tensor of Normal(0, std²) samples.
export function randn(rng: Rng, shape: number[], std = 1): Tensor {
  return { data: rng.fill(new Float32Array(numel(shape)), std), shape: [...shape] };
}
