// The compressed 2:4 format (Mishra et al. 2021, arXiv 2104.08378, §3; NVIDIA's
// sparse tensor cores): a 2:4-sparse W[K, N] keeps, for each output n and each
// group g of 4 inputs (rows 4g … 4g+3), two values and their two positions 0 … 3.
//
//   values[K/2, N]   values[(2g + s)·N + n] is slot s ∈ {0, 1} of group g, column n
//   meta             one 4-bit code per (g, n): i0 | i1 << 2, with i0 < i1 the
//                    positions of the two kept values; code j = g·N + n lives in
//                    byte j >> 1, low nibble for even j, high nibble for odd j
//
// Bytes: half the values plus 2 bits per kept value = 4·K·N/2 + K·N/8, i.e.
// 2.125 bytes per original float32 weight (0.53×); with fp16 values, as on the
// GPU, 0.5625× of dense fp16. A group with fewer than 2 nonzeros stores zeros in
// the free slot(s), at the lowest unused positions.
//
// The product reads two inputs per group instead of four:
//   Y[m, n] = Σ_g  v0 · X[m, 4g + i0] + v1 · X[m, 4g + i1]

import { UserError } from "@llm-labs/kit";

export interface Packed24 {
  K: number;
  N: number;
  values: Float32Array; // [K/2, N]
  meta: Uint8Array; // ceil(K/4 · N / 2) bytes
}

export function pack24(w: ArrayLike<number>, K: number, N: number): Packed24 {
  if (K % 4 !== 0) throw new UserError(`pack24: the input dimension (${K}) must be a multiple of 4`);
  if (w.length !== K * N) throw new Error(`pack24: expected K·N = ${K}·${N} weights, got ${w.length}`);
  const G = K / 4;
  const values = new Float32Array(2 * G * N);
  const meta = new Uint8Array(Math.ceil((G * N) / 2));
  // #region exercise pack-2-4
  for (let g = 0; g < G; g++)
    for (let n = 0; n < N; n++) {
      const pos: number[] = [];
      for (let i = 0; i < 4; i++) if (w[(4 * g + i) * N + n] !== 0) pos.push(i);
      if (pos.length > 2)
        throw new UserError(
          `pack24: group ${g} (rows ${4 * g}…${4 * g + 3}) of column ${n} has ${pos.length} nonzeros; 2:4 allows 2`,
        );
      for (let i = 0; pos.length < 2; i++) if (!pos.includes(i)) pos.push(i);
      pos.sort((a, b) => a - b);
      values[2 * g * N + n] = w[(4 * g + pos[0]) * N + n];
      values[(2 * g + 1) * N + n] = w[(4 * g + pos[1]) * N + n];
      const j = g * N + n;
      meta[j >> 1] |= (pos[0] | (pos[1] << 2)) << ((j & 1) * 4);
    }
  // #endregion
  return { K, N, values, meta };
}

// The position pair of group g, column n.
export function positions24(a: Packed24, g: number, n: number): [number, number] {
  const j = g * a.N + n;
  const code = (a.meta[j >> 1] >> ((j & 1) * 4)) & 15;
  return [code & 3, code >> 2];
}

export function unpack24(a: Packed24): Float32Array {
  const { K, N } = a;
  const w = new Float32Array(K * N);
  for (let g = 0; g < K / 4; g++)
    for (let n = 0; n < N; n++) {
      const [i0, i1] = positions24(a, g, n);
      w[(4 * g + i0) * N + n] = a.values[2 * g * N + n];
      w[(4 * g + i1) * N + n] = a.values[(2 * g + 1) * N + n];
    }
  return w;
}

export const packed24Bytes = (a: Packed24): number => a.values.byteLength + a.meta.byteLength;

// Y[M, N] = X[M, K] · W, W packed 2:4. Group by group: decode the group's N
// position codes once, then every row of X reuses them (the decode is paid K/4
// times per call, not M·K/4 times).
export function matmul24(x: ArrayLike<number>, M: number, a: Packed24): Float32Array {
  const { K, N, values, meta } = a;
  if (x.length !== M * K) throw new Error(`matmul24: X must be [${M}, ${K}], got ${x.length} values`);
  const y = new Float32Array(M * N);
  const i0 = new Uint8Array(N);
  const i1 = new Uint8Array(N);
  const xs = new Float32Array(4);
  for (let g = 0; g < K / 4; g++) {
    for (let n = 0; n < N; n++) {
      const j = g * N + n;
      const code = (meta[j >> 1] >> ((j & 1) << 2)) & 15;
      i0[n] = code & 3;
      i1[n] = code >> 2;
    }
    const v0 = 2 * g * N;
    const v1 = v0 + N;
    for (let m = 0; m < M; m++) {
      const xo = m * K + 4 * g;
      const yo = m * N;
      xs[0] = x[xo];
      xs[1] = x[xo + 1];
      xs[2] = x[xo + 2];
      xs[3] = x[xo + 3];
      for (let n = 0; n < N; n++) y[yo + n] += values[v0 + n] * xs[i0[n]] + values[v1 + n] * xs[i1[n]];
    }
  }
  return y;
}
