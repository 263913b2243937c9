// matmul, matmulTransB and matmulNaive against ONNX Runtime's MatMul and Gemm.
//
// Tolerance: for a K-term dot product computed in float32 in ANY order, the
// classic bound (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1) is
//   |computed - exact| ≤ γ_K · Σ_k |A[i,k]|·|B[k,j]|,   γ_K ≈ K·u,  u = 2^-24
// Ours and ORT's (MLAS, vectorised, different order) each satisfy it, so they
// differ by at most 2·K·u·(|A|·|B|)[i,j]. A wrong index or a dropped term is
// off by O(1), millions of times more.
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "@llm-labs/onnx";
import {
  Rng,
  matmul,
  matmulAccumulate,
  matmulNaive,
  matmulTransAAccumulate,
  matmulTransB,
  matmulTransBAccumulate,
  randn,
  tensor,
} from "../src/index.ts";
import type { Tensor } from "../src/index.ts";
import { U, feed, ortOp, runGraph, worstRatio } from "./ort.ts";

const abs = (t: Tensor): Tensor => tensor(t.data.map(Math.abs), t.shape);

// (|A|·|B|)[i, j] for every output, computed in float64 by the definition.
function absBound(a: Tensor, b: Tensor, bTransposed = false): Float64Array {
  const K = a.shape[a.shape.length - 1];
  const M = a.data.length / K;
  const N = bTransposed ? b.shape[0] : b.shape[1];
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const bv = bTransposed ? b.data[j * K + k] : b.data[k * N + j];
        s += Math.abs(a.data[i * K + k] * bv);
      }
      out[i * N + j] = s;
    }
  return out;
}

describe("matmul", () => {
  it("computes a 2x3 · 3x2 product worked out by hand", () => {
    // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]]
    // = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58, 64], [139, 154]]
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tensor([7, 8, 9, 10, 11, 12], [3, 2]);
    for (const c of [matmul(a, b), matmulNaive(a, b)]) {
      expect(c.shape).toEqual([2, 2]);
      expect(Array.from(c.data)).toEqual([58, 64, 139, 154]);
    }
  });

  // Sizes chosen to hit every path of the 4x4-blocked kernel: M and K below 4,
  // exact multiples of 4, and leftovers of 1, 2 and 3 rows / k-steps.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 2, 5],
    [4, 4, 4],
    [7, 13, 5],
    [33, 65, 17],
    [64, 64, 64],
    [6, 130, 31],
  ];
  for (const [M, K, N] of shapes) {
    it(`agrees with ORT MatMul for [${M}, ${K}] x [${K}, ${N}] (ours and naive)`, async () => {
      const rng = new Rng(M * 1000 + K * 10 + N);
      const a = randn(rng, [M, K]);
      const b = randn(rng, [K, N]);
      const ref = await ortOp("MatMul", { A: a, B: b });
      const bound = absBound(a, b);
      const tol = (i: number) => 2 * K * U * bound[i] + 1e-30;
      expect(worstRatio(matmul(a, b), ref, tol)).toBeLessThanOrEqual(1);
      expect(worstRatio(matmulNaive(a, b), ref, tol)).toBeLessThanOrEqual(1);
    });
  }

  it("batches [2, 3, 5, 7] x [7, 6] (one shared B) like ORT MatMul", async () => {
    const rng = new Rng(1);
    const a = randn(rng, [2, 3, 5, 7]);
    const b = randn(rng, [7, 6]);
    const ref = await ortOp("MatMul", { A: a, B: b });
    const bound = absBound(a, b);
    expect(ref.shape).toEqual([2, 3, 5, 6]);
    expect(worstRatio(matmul(a, b), ref, (i) => 2 * 7 * U * bound[i])).toBeLessThanOrEqual(1);
  });

  it("batches [2, 3, 5, 7] x [2, 3, 7, 6] (a B per batch entry) like ORT MatMul", async () => {
    const rng = new Rng(2);
    const a = randn(rng, [2, 3, 5, 7]);
    const b = randn(rng, [2, 3, 7, 6]);
    const ref = await ortOp("MatMul", { A: a, B: b });
    const ours = matmul(a, b);
    // Per-batch bound: batch n of the output only involves batch n of A and B.
    const tol = new Float64Array(ref.data.length);
    for (let n = 0; n < 6; n++) {
      const an = tensor(a.data.slice(n * 35, (n + 1) * 35), [5, 7]);
      const bn = tensor(b.data.slice(n * 42, (n + 1) * 42), [7, 6]);
      tol.set(
        absBound(an, bn).map((v) => 2 * 7 * U * v),
        n * 30,
      );
    }
    expect(worstRatio(ours, ref, (i) => tol[i])).toBeLessThanOrEqual(1);
  });

  it("matmulAccumulate accumulates: C + A·B, checked against ORT Gemm (beta = 1)", async () => {
    const rng = new Rng(3);
    const a = randn(rng, [9, 11]);
    const b = randn(rng, [11, 6]);
    const c = randn(rng, [9, 6]);
    const ref = await ortOp("Gemm", { A: a, B: b, C: c });
    const out = Float32Array.from(c.data);
    matmulAccumulate(out, a.data, b.data, 9, 11, 6);
    const bound = absBound(a, b);
    // One more rounding for the final addition of C: + u·|C + AB|.
    const tol = (i: number) => 2 * 12 * U * (bound[i] + Math.abs(c.data[i]));
    expect(worstRatio(tensor(out, [9, 6]), ref, tol)).toBeLessThanOrEqual(1);
  });
});

describe("matmulTransB", () => {
  for (const [M, K, N] of [
    [1, 1, 1],
    [5, 7, 3],
    [16, 33, 9],
  ] as [number, number, number][]) {
    it(`agrees with ORT Gemm(transB = 1) for [${M}, ${K}] x [${N}, ${K}]ᵀ`, async () => {
      const rng = new Rng(M + K + N);
      const a = randn(rng, [M, K]);
      const b = randn(rng, [N, K]);
      const ref = await ortOp("Gemm", { A: a, B: b }, { attrs: { transB: 1 } });
      const bound = absBound(a, b, true);
      expect(worstRatio(matmulTransB(a, b), ref, (i) => 2 * K * U * bound[i] + 1e-30)).toBeLessThanOrEqual(1);
    });
  }

  it("batches [2, 4, 3, 8] x [2, 4, 5, 8]ᵀ like attention's Q·Kᵀ (ORT Transpose + MatMul)", async () => {
    const rng = new Rng(4);
    const q = randn(rng, [2, 4, 3, 8]);
    const k = randn(rng, [2, 4, 5, 8]);
    const g = new GraphBuilder("qk")
      .input("Q", "float32", q.shape)
      .input("K", "float32", k.shape)
      .node("Transpose", ["K"], ["Kt"], { perm: [0, 1, 3, 2] })
      .node("MatMul", ["Q", "Kt"], ["Y"])
      .output("Y", "float32");
    const ref = await runGraph(g, { Q: feed(q), K: feed(k) }, 21);
    expect(ref.shape).toEqual([2, 4, 3, 5]);
    // Σ_k |q_k|·|k_k| ≤ 8·max|q|·max|k|: a simpler, slightly looser form of the bound.
    const maxQ = Math.max(...q.data.map(Math.abs));
    const maxK = Math.max(...k.data.map(Math.abs));
    expect(worstRatio(matmulTransB(q, k), ref, () => 2 * 8 * U * 8 * maxQ * maxK)).toBeLessThanOrEqual(1);
  });
});

describe("shape errors", () => {
  it("says which inner dimensions differ", () => {
    const a = tensor(new Float32Array(6), [2, 3]);
    const b = tensor(new Float32Array(20), [4, 5]);
    expect(() => matmul(a, b)).toThrow(
      "matmul: inner dimensions differ: A is [2, 3], B is [4, 5] (A's columns must equal B's rows)",
    );
    expect(() => matmulNaive(a, b)).toThrow("matmulNaive: inner dimensions differ: A is [2, 3], B is [4, 5]");
    expect(() => matmulTransB(a, b)).toThrow(
      "matmulTransB: inner dimensions differ: A is [2, 3], B is [4, 5] (A's columns must equal B's columns)",
    );
  });

  it("rejects vectors and mismatched batches", () => {
    const v = tensor([1, 2, 3], [3]);
    const m = tensor(new Float32Array(6), [3, 2]);
    expect(() => matmul(v, m)).toThrow("matmul: needs matrices (at least 2 axes), got A [3] and B [3, 2]");
    const a = tensor(new Float32Array(2 * 2 * 3), [2, 2, 3]);
    const b = tensor(new Float32Array(3 * 3 * 1), [3, 3, 1]);
    expect(() => matmul(a, b)).toThrow("matmul: batch dimensions differ: A is [2, 2, 3], B is [3, 3, 1]");
  });
});

describe("matmulTransAAccumulate (the weight gradient dW += Xᵀ·dY)", () => {
  // Shapes that reach every path of the 4×4-blocked loops: multiples of 4 and the leftovers.
  for (const [M, K, N] of [
    [1, 7, 5],
    [3, 4, 9],
    [4, 8, 4],
    [6, 13, 7],
    [9, 5, 1],
  ] as [number, number, number][]) {
    it(`agrees with ORT Gemm(transA = 1, C added) for [${K}, ${M}]ᵀ x [${K}, ${N}]`, async () => {
      const rng = new Rng(100 + M * K * N);
      const a = randn(rng, [K, M]); // stored transposed
      const b = randn(rng, [K, N]);
      const c = randn(rng, [M, N]);
      const ref = await ortOp("Gemm", { A: a, B: b, C: c }, { attrs: { transA: 1 } });
      const out = Float32Array.from(c.data);
      matmulTransAAccumulate(out, a.data, b.data, M, K, N);
      // |Aᵀ|·|B| plus |C| (the accumulated term): the bound of the sum above.
      const at = tensor(
        new Float32Array(M * K).map((_, i) => a.data[(i % K) * M + Math.floor(i / K)]),
        [M, K],
      );
      const bound = absBound(at, b);
      const tol = (i: number) => 2 * (K + 1) * U * (bound[i] + Math.abs(c.data[i])) + 1e-30;
      expect(worstRatio(tensor(out, [M, N]), ref, tol)).toBeLessThanOrEqual(1);
    });
  }
});

describe("the kernels in float64 (what a finite-difference gradient check needs)", () => {
  it("matmulAccumulate, matmulTransBAccumulate and matmulTransAAccumulate equal the sums written out, to 1e-12", () => {
    const rng = new Rng(64);
    const [M, K, N] = [6, 9, 5];
    const A = Float64Array.from({ length: M * K }, () => rng.normal());
    const B = Float64Array.from({ length: K * N }, () => rng.normal());
    // Σ_k A[i,k]·B[k,j], by the definition, in float64.
    const want = new Float64Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) want[i * N + j] += A[i * K + k] * B[k * N + j];
    const At = new Float64Array(K * M);
    const Bt = new Float64Array(N * K);
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) At[k * M + i] = A[i * K + k];
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) Bt[j * K + k] = B[k * N + j];
    const c1 = new Float64Array(M * N);
    const c2 = new Float64Array(M * N);
    const c3 = new Float64Array(M * N);
    matmulAccumulate(c1, A, B, M, K, N);
    matmulTransBAccumulate(c2, A, Bt, M, K, N);
    matmulTransAAccumulate(c3, At, B, M, K, N);
    for (const c of [c1, c2, c3])
      for (let i = 0; i < want.length; i++) expect(Math.abs(c[i] - want[i])).toBeLessThan(1e-12);
  });
});
