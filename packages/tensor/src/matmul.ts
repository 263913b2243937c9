// Matrix multiplication, the operation that costs almost all of an LLM's time.
//
//   C[i, j] = Σ_k A[i, k] · B[k, j]        A is [M, K], B is [K, N], C is [M, N]
//
// That is 2·M·N·K floating-point operations (one multiply, one add per term).
// Every order of the three loops computes the same sums; they differ only in
// how they walk memory, and memory is what makes a matmul fast or slow.

import { compileSimdMatmul, SIMD_MIN_WORK, SimdMatmul } from "./matmul-simd.ts";
import { formatShape, numel, zeros } from "./tensor.ts";
import type { Tensor } from "./tensor.ts";

// The kernels take float64 arrays too: a gradient check by finite differences
// needs more precision than float32 has (packages/model's backward tests).
export type Floats = Float32Array | Float64Array;

// Which loops the three *Accumulate kernels below run for float32 operands: "js",
// the loops in this file (the default, and what every result of labs 01-08 was
// computed with), or "simd", the WebAssembly kernel of matmul-simd.ts, about 5x
// faster, with sums taken in another order (so the last bits differ). The course's
// own training turns it on (packages/model's FAST_TRAINING). Float64 always runs here.
export type MatmulKernels = "js" | "simd";
let simd: SimdMatmul | undefined;

export async function setMatmulKernels(kind: MatmulKernels): Promise<void> {
  simd = kind === "simd" ? new SimdMatmul(await compileSimdMatmul()) : undefined;
}
export function matmulKernels(): MatmulKernels {
  return simd ? "simd" : "js";
}
function simdFor(C: Floats, A: Floats, B: Floats, work: number): SimdMatmul | undefined {
  if (!simd || work < SIMD_MIN_WORK) return undefined;
  const f32 = C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array;
  return f32 ? simd : undefined;
}

function checkMatrices(a: Tensor, b: Tensor, where: string, bTransposed: boolean): void {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new Error(
      `${where}: needs matrices (at least 2 axes), got A ${formatShape(a.shape)} and B ${formatShape(b.shape)}`,
    );
  }
  const K = a.shape[a.shape.length - 1];
  const bK = b.shape[b.shape.length - (bTransposed ? 1 : 2)];
  if (K !== bK) {
    const rule = bTransposed ? "A's columns must equal B's columns" : "A's columns must equal B's rows";
    throw new Error(
      `${where}: inner dimensions differ: A is ${formatShape(a.shape)}, B is ${formatShape(b.shape)} (${rule})`,
    );
  }
}

// The textbook i-j-k loop: one dot product per output. The inner loop walks
// DOWN a column of B, jumping N floats each step, so for large N nearly every
// B[k, j] read misses the cache. Kept as the reference and the bench baseline.
export function matmulNaive(a: Tensor, b: Tensor): Tensor {
  checkMatrices(a, b, "matmulNaive", false);
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new Error(
      `matmulNaive: only plain matrices, got A ${formatShape(a.shape)} and B ${formatShape(b.shape)}`,
    );
  }
  const [M, K] = a.shape as [number, number];
  const N = b.shape[1];
  const A = a.data;
  const B = b.data;
  const C = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += A[i * K + k] * B[k * N + j];
      C[i * N + j] = sum;
    }
  }
  return { data: C, shape: [M, N] };
}

// The kernel: C[M, N] += A[M, K] · B[K, N] on flat row-major arrays. It ADDS to
// C, so pass zeros for a plain product, or a bias / partial sum to accumulate.
//
// 1. Loop order i-k-j. For a fixed (i, k), the update
//        C[i, :] += A[i, k] · B[k, :]
//    streams one row of B and one row of C, both contiguous in memory.
// 2. Register blocking, 4 rows of A by 4 steps of k. Each pass of the j loop does
//        C[i+r, j] += A[i+r, k]·B[k, j] + A[i+r, k+1]·B[k+1, j]
//                   + A[i+r, k+2]·B[k+2, j] + A[i+r, k+3]·B[k+3, j]     for r = 0..3
//    The 16 values of A are hoisted into locals (registers) before the loop, every
//    B value loaded is used 4 times, and every C value is loaded and stored once
//    per 4 k's instead of once per k. Fewer memory operations per multiply-add is
//    the whole game: about 4-5x faster than matmulNaive on our 2-core test
//    machine (bench/matmul.bench.ts).
// 3. Rows and k's left over (when M or K is not a multiple of 4) take the plain
//    i-k-j path.
// We tried tiling over k and j as well (so a block of B stays in cache): at the
// sizes in this course (up to 512) it gave no consistent gain, so it is left out.
export function matmulAccumulate(C: Floats, A: Floats, B: Floats, M: number, K: number, N: number): void {
  const fast = simdFor(C, A, B, M * K * N);
  if (fast) return fast.accumulate(C, A, B, M, K, N, false, false);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const c0 = i * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N; // row starts in C
    const r0 = i * K;
    const r1 = r0 + K;
    const r2 = r1 + K;
    const r3 = r2 + K; // row starts in A
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const a00 = A[r0 + k];
      const a01 = A[r0 + k + 1];
      const a02 = A[r0 + k + 2];
      const a03 = A[r0 + k + 3];
      const a10 = A[r1 + k];
      const a11 = A[r1 + k + 1];
      const a12 = A[r1 + k + 2];
      const a13 = A[r1 + k + 3];
      const a20 = A[r2 + k];
      const a21 = A[r2 + k + 1];
      const a22 = A[r2 + k + 2];
      const a23 = A[r2 + k + 3];
      const a30 = A[r3 + k];
      const a31 = A[r3 + k + 1];
      const a32 = A[r3 + k + 2];
      const a33 = A[r3 + k + 3];
      const b0 = k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N; // rows k..k+3 of B
      for (let j = 0; j < N; j++) {
        const x0 = B[b0 + j];
        const x1 = B[b1 + j];
        const x2 = B[b2 + j];
        const x3 = B[b3 + j];
        C[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
        C[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
        C[c2 + j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3;
        C[c3 + j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
      }
    }
    for (; k < K; k++) {
      const a0 = A[r0 + k];
      const a1 = A[r1 + k];
      const a2 = A[r2 + k];
      const a3 = A[r3 + k];
      const b = k * N;
      for (let j = 0; j < N; j++) {
        const x = B[b + j];
        C[c0 + j] += a0 * x;
        C[c1 + j] += a1 * x;
        C[c2 + j] += a2 * x;
        C[c3 + j] += a3 * x;
      }
    }
  }
  for (; i < M; i++) {
    const c = i * N;
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      const b = k * N;
      for (let j = 0; j < N; j++) C[c + j] += a * B[b + j];
    }
  }
}

// C[M, N] += A[M, K] · Bᵀ, B stored [N, K]. Every output is a dot product of two
// contiguous rows. We compute a 2×4 block of outputs at once (rows i, i+1 of A
// against rows j..j+3 of B): 8 running sums, and each value loaded is used 2 or
// 4 times. Used for dX = dY·Wᵀ and for the tied LM head, logits = x · wteᵀ.
export function matmulTransBAccumulate(
  C: Floats,
  A: Floats,
  B: Floats,
  M: number,
  K: number,
  N: number,
): void {
  const fast = simdFor(C, A, B, M * K * N);
  if (fast) return fast.accumulate(C, A, B, M, K, N, false, true);
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = i * K;
    const a1 = a0 + K;
    const c0 = i * N;
    const c1 = c0 + N;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k];
        const x1 = A[a1 + k];
        const y0 = B[b0 + k];
        const y1 = B[b1 + k];
        const y2 = B[b2 + k];
        const y3 = B[b3 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      C[c0 + j] += s00;
      C[c0 + j + 1] += s01;
      C[c0 + j + 2] += s02;
      C[c0 + j + 3] += s03;
      C[c1 + j] += s10;
      C[c1 + j + 1] += s11;
      C[c1 + j + 2] += s12;
      C[c1 + j + 3] += s13;
    }
    for (; j < N; j++) {
      const b = j * K;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < K; k++) {
        s0 += A[a0 + k] * B[b + k];
        s1 += A[a1 + k] * B[b + k];
      }
      C[c0 + j] += s0;
      C[c1 + j] += s1;
    }
  }
  for (; i < M; i++) {
    const a = i * K;
    const c = i * N;
    for (let j = 0; j < N; j++) {
      const b = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a + k] * B[b + k];
      C[c + j] += s;
    }
  }
}

// C[M, N] += Aᵀ · B, A stored [K, M], B [K, N]: C[i, j] += Σ_k A[k, i] · B[k, j].
// The weight gradient dW = Xᵀ·dY (k runs over the N rows of the batch). Same
// blocking as matmulAccumulate, reading the 4×4 block of A down its columns.
export function matmulTransAAccumulate(
  C: Floats,
  A: Floats,
  B: Floats,
  M: number,
  K: number,
  N: number,
): void {
  const fast = simdFor(C, A, B, M * K * N);
  if (fast) return fast.accumulate(C, A, B, M, K, N, true, false);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const c0 = i * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const r0 = k * M + i;
      const r1 = r0 + M;
      const r2 = r1 + M;
      const r3 = r2 + M; // A[k.., i..]
      const a00 = A[r0];
      const a01 = A[r1];
      const a02 = A[r2];
      const a03 = A[r3];
      const a10 = A[r0 + 1];
      const a11 = A[r1 + 1];
      const a12 = A[r2 + 1];
      const a13 = A[r3 + 1];
      const a20 = A[r0 + 2];
      const a21 = A[r1 + 2];
      const a22 = A[r2 + 2];
      const a23 = A[r3 + 2];
      const a30 = A[r0 + 3];
      const a31 = A[r1 + 3];
      const a32 = A[r2 + 3];
      const a33 = A[r3 + 3];
      const b0 = k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        const x0 = B[b0 + j];
        const x1 = B[b1 + j];
        const x2 = B[b2 + j];
        const x3 = B[b3 + j];
        C[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
        C[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
        C[c2 + j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3;
        C[c3 + j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
      }
    }
    for (; k < K; k++) {
      const r = k * M + i;
      const a0 = A[r];
      const a1 = A[r + 1];
      const a2 = A[r + 2];
      const a3 = A[r + 3];
      const b = k * N;
      for (let j = 0; j < N; j++) {
        const x = B[b + j];
        C[c0 + j] += a0 * x;
        C[c1 + j] += a1 * x;
        C[c2 + j] += a2 * x;
        C[c3 + j] += a3 * x;
      }
    }
  }
  for (; i < M; i++) {
    const c = i * N;
    for (let k = 0; k < K; k++) {
      const a = A[k * M + i];
      const b = k * N;
      for (let j = 0; j < N; j++) C[c + j] += a * B[b + j];
    }
  }
}

type Kernel = typeof matmulAccumulate;

// Batching. A is [..., M, K]. B is either one matrix shared by the whole batch
// ([K, N], or [N, K] transposed), or a batch with the same leading dimensions as A.
//   shared B:   all the leading dims of A fold into M: one [batch·M, K] x [K, N] call
//   batched B:  one kernel call per matrix of the batch
function batched(a: Tensor, b: Tensor, where: string, bTransposed: boolean, kernel: Kernel): Tensor {
  checkMatrices(a, b, where, bTransposed);
  const lead = a.shape.slice(0, -2);
  const M = a.shape[a.shape.length - 2];
  const K = a.shape[a.shape.length - 1];
  const N = b.shape[b.shape.length - (bTransposed ? 2 : 1)];
  const out = zeros([...lead, M, N]);
  if (b.shape.length === 2) {
    kernel(out.data, a.data, b.data, numel(lead) * M, K, N);
    return out;
  }
  const bLead = b.shape.slice(0, -2);
  if (formatShape(bLead) !== formatShape(lead)) {
    throw new Error(
      `${where}: batch dimensions differ: A is ${formatShape(a.shape)}, B is ${formatShape(b.shape)} ` +
        `(B must be one matrix or have the same leading dimensions as A)`,
    );
  }
  for (let n = 0; n < numel(lead); n++) {
    kernel(
      out.data.subarray(n * M * N, (n + 1) * M * N),
      a.data.subarray(n * M * K, (n + 1) * M * K),
      b.data.subarray(n * K * N, (n + 1) * K * N),
      M,
      K,
      N,
    );
  }
  return out;
}

// C = A · B for A [..., M, K] and B [K, N] or [..., K, N].
export function matmul(a: Tensor, b: Tensor): Tensor {
  return batched(a, b, "matmul", false, matmulAccumulate);
}

// C = A · Bᵀ for A [..., M, K] and B [N, K] or [..., N, K].
export function matmulTransB(a: Tensor, b: Tensor): Tensor {
  return batched(a, b, "matmulTransB", true, matmulTransBAccumulate);
}
