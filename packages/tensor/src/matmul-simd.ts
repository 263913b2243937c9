// The fast path for float32 matmuls: pack the operands into WebAssembly memory,
// run the 4-lane SIMD micro-kernel (matmul-simd.wat), add the result into C.
//
//   C[M, N] += op(A) · op(B)      op(A) is A [M, K] or, transposed, Aᵀ with A stored [K, M]
//                                 op(B) is B [K, N] or, transposed, Bᵀ with B stored [N, K]
//
// One kernel serves all three products of training (Y = X·W, dX = dY·Wᵀ, dW = Xᵀ·dY):
// the operands have to be copied into WebAssembly's memory anyway, and the copy can
// read them in any order, so a transpose costs nothing extra. The copy is the
// "packing" of matmul-simd.wat's header: A into panels of 4 rows, [M/4][K][4], B into
// panels of 8 columns, [N/8][K][8], zero-padded to whole panels.
//
// Copying is O(M·K + K·N + M·N) work for O(M·N·K) multiply-adds, so it pays for itself
// once the matrices are not tiny (SIMD_MIN_WORK below). Off by default: the JS
// kernels' summation order is what every earlier result of the course was computed
// with; setMatmulKernels("simd") (matmul.ts) turns this path on.

import { readFileSync } from "node:fs";
import wabtInit from "wabt";
import type { Floats } from "./matmul.ts";

// Below this many multiply-adds the copies cost more than the SIMD saves (measured:
// at 16×16×16 the JS kernel wins, from about 32×32×32 on the SIMD path does).
export const SIMD_MIN_WORK = 32 * 32 * 32;

const MR = 4; // rows of C per block (the kernel's register block)
const NR = 8; // columns of C per block: two v128 of 4 lanes
const KU = 2; // the kernel's k loop is unrolled twice

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

// The few pieces of the WebAssembly JS API used here. Node has them all, but the
// course compiles without the DOM library, where TypeScript declares them.
type WasmModule = { readonly kind: "wasm-module" };
type WasmMemory = { readonly buffer: ArrayBuffer; grow(pages: number): number };
type WasmApi = {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule) => { exports: Record<string, unknown> };
};
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// The text format is compiled by wabt (the WebAssembly Binary Toolkit, compiled to JS),
// so the kernel in the repository is the readable .wat and not a binary blob.
let compiled: Promise<WasmModule> | undefined;
export function compileSimdMatmul(): Promise<WasmModule> {
  compiled ??= (async () => {
    const wabt = await wabtInit();
    const source = readFileSync(new URL("./matmul-simd.wat", import.meta.url), "utf8");
    const parsed = wabt.parseWat("matmul-simd.wat", source, { simd: true });
    try {
      return await wasm.compile(parsed.toBinary({}).buffer);
    } finally {
      parsed.destroy();
    }
  })();
  return compiled;
}

export class SimdMatmul {
  private memory: WasmMemory;
  private gemm: (c: number, a: number, b: number, M: number, K: number, N: number) => void;
  private heap: Float32Array; // a view of the whole memory, renewed when it grows

  constructor(module: WasmModule) {
    const { exports } = new wasm.Instance(module);
    this.memory = exports.memory as WasmMemory;
    this.gemm = exports.gemm as SimdMatmul["gemm"];
    this.heap = new Float32Array(this.memory.buffer);
  }

  // C [M, N] += op(A) · op(B); aT: A is stored [K, M]; bT: B is stored [N, K].
  accumulate(
    C: Floats,
    A: Floats,
    B: Floats,
    M: number,
    K: number,
    N: number,
    aT: boolean,
    bT: boolean,
  ): void {
    const Mp = roundUp(M, MR);
    const Np = roundUp(N, NR);
    const Kp = roundUp(K, KU);
    // memory layout, in floats: [ packed A: Mp·Kp | packed B: Kp·Np | out: Mp·Np ]
    const a0 = 0;
    const b0 = a0 + Mp * Kp;
    const c0 = b0 + Kp * Np;
    this.reserve(c0 + Mp * Np);
    const heap = this.heap;
    packA(heap, a0, A, M, K, Kp, aT);
    packB(heap, b0, B, K, N, Kp, bT);
    this.gemm(c0 * 4, a0 * 4, b0 * 4, Mp, Kp, Np);
    for (let i = 0; i < M; i++) {
      const out = c0 + i * Np;
      const row = i * N;
      for (let j = 0; j < N; j++) C[row + j] += heap[out + j];
    }
  }

  private reserve(floats: number): void {
    const bytes = floats * 4;
    if (bytes <= this.memory.buffer.byteLength) return;
    this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
    this.heap = new Float32Array(this.memory.buffer);
  }
}

// A's panel p holds rows 4p … 4p+3, k-major: dst[at + (p·Kp + k)·4 + r] = op(A)[4p + r, k].
// Rows past M and k's past K stay 0, so the padded block adds nothing.
function packA(dst: Float32Array, at: number, A: Floats, M: number, K: number, Kp: number, aT: boolean) {
  dst.fill(0, at, at + roundUp(M, MR) * Kp);
  for (let i = 0; i < M; i++) {
    const base = at + (i >> 2) * Kp * MR + (i & 3);
    if (aT) for (let k = 0; k < K; k++) dst[base + k * MR] = A[k * M + i];
    else {
      const row = i * K;
      for (let k = 0; k < K; k++) dst[base + k * MR] = A[row + k];
    }
  }
}

// B's panel q holds columns 8q … 8q+7: dst[at + (q·Kp + k)·8 + s] = op(B)[k, 8q + s].
function packB(dst: Float32Array, at: number, B: Floats, K: number, N: number, Kp: number, bT: boolean) {
  dst.fill(0, at, at + Kp * roundUp(N, NR));
  if (bT) {
    for (let j = 0; j < N; j++) {
      const base = at + (j >> 3) * Kp * NR + (j & 7);
      const row = j * K;
      for (let k = 0; k < K; k++) dst[base + k * NR] = B[row + k];
    }
    return;
  }
  for (let k = 0; k < K; k++) {
    const row = k * N;
    for (let j = 0; j < N; j++) dst[at + ((j >> 3) * Kp + k) * NR + (j & 7)] = B[row + j];
  }
}
