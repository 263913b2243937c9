// The WebAssembly SIMD matmul (matmul-simd.wat, matmul-simd.ts) against a hand
// calculation and against ONNX Runtime's Gemm, and the switch that routes the three
// *Accumulate kernels to it (setMatmulKernels).
//
// Tolerance: the Higham bound of matmul.test.ts. The SIMD kernel sums each dot
// product in its own order (two k's at a time into four lanes), so it is any-order
// float32 summation and satisfies |computed − exact| ≤ K·u·(|A|·|B|)[i,j], like ORT.
import { afterAll, describe, expect, it } from "vitest";
import {
  Rng,
  SIMD_MIN_WORK,
  SimdMatmul,
  compileSimdMatmul,
  matmulAccumulate,
  matmulKernels,
  matmulTransAAccumulate,
  matmulTransBAccumulate,
  randn,
  setMatmulKernels,
  tensor,
} from "../src/index.ts";
import { U, ortOp, worstRatio } from "./ort.ts";

afterAll(() => setMatmulKernels("js"));

// (|op(A)|·|op(B)|)[i, j] + |C[i, j]| in float64, by the definition.
function bound(
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  M: number,
  K: number,
  N: number,
  aT: boolean,
  bT: boolean,
) {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = Math.abs(C[i * N + j]);
      for (let k = 0; k < K; k++)
        s += Math.abs((aT ? A[k * M + i] : A[i * K + k]) * (bT ? B[j * K + k] : B[k * N + j]));
      out[i * N + j] = s;
    }
  return out;
}

describe("SimdMatmul", () => {
  it("computes a padded 5×3 · 3×9 product worked out by hand", async () => {
    // A[i, k] = i + k and B[k, j] = k·j with K = 3:
    //   C[i, j] = Σ_k (i + k)·k·j = j·(i·(0 + 1 + 2) + (0 + 1 + 4)) = j·(3i + 5)
    // M = 5 is not a multiple of the 4-row block, N = 9 not of the 8-column block,
    // K = 3 not of the unroll by 2: every padding path runs, and padding must add 0.
    const M = 5;
    const K = 3;
    const N = 9;
    const A = Float32Array.from({ length: M * K }, (_, p) => Math.floor(p / K) + (p % K));
    const B = Float32Array.from({ length: K * N }, (_, p) => Math.floor(p / N) * (p % N));
    const C = new Float32Array(M * N).fill(1); // accumulates: 1 + j·(3i + 5)
    new SimdMatmul(await compileSimdMatmul()).accumulate(C, A, B, M, K, N, false, false);
    const expected = Array.from({ length: M * N }, (_, p) => 1 + (p % N) * (3 * Math.floor(p / N) + 5));
    expect(Array.from(C)).toEqual(expected);
  });

  it("reads transposed operands while packing: Aᵀ stored [K, M] and Bᵀ stored [N, K]", async () => {
    // The same product as above with both operands stored the other way round.
    const M = 5;
    const K = 3;
    const N = 9;
    const At = Float32Array.from({ length: K * M }, (_, p) => (p % M) + Math.floor(p / M)); // At[k, i] = i + k
    const Bt = Float32Array.from({ length: N * K }, (_, p) => Math.floor(p / K) * (p % K)); // Bt[j, k] = k·j
    const C = new Float32Array(M * N);
    new SimdMatmul(await compileSimdMatmul()).accumulate(C, At, Bt, M, K, N, true, true);
    expect(Array.from(C)).toEqual(
      Array.from({ length: M * N }, (_, p) => (p % N) * (3 * Math.floor(p / N) + 5)),
    );
  });
});

describe('setMatmulKernels("simd")', () => {
  // Ragged sizes above SIMD_MIN_WORK, so the dispatch takes the SIMD path with padding.
  const [M, K, N] = [37, 129, 45];
  const cases: {
    name: string;
    aT: boolean;
    bT: boolean;
    run: typeof matmulAccumulate;
    attrs: Record<string, number>;
  }[] = [
    { name: "matmulAccumulate: C + A·B", aT: false, bT: false, run: matmulAccumulate, attrs: {} },
    {
      name: "matmulTransBAccumulate: C + A·Bᵀ",
      aT: false,
      bT: true,
      run: matmulTransBAccumulate,
      attrs: { transB: 1 },
    },
    {
      name: "matmulTransAAccumulate: C + Aᵀ·B",
      aT: true,
      bT: false,
      run: matmulTransAAccumulate,
      attrs: { transA: 1 },
    },
  ];
  for (const { name, aT, bT, run, attrs } of cases) {
    it(`${name} [${M}, ${K}, ${N}] agrees with ORT Gemm and runs the SIMD kernel`, async () => {
      expect(M * K * N).toBeGreaterThan(SIMD_MIN_WORK);
      const rng = new Rng(M + (aT ? 10 : 0) + (bT ? 20 : 0));
      const a = randn(rng, aT ? [K, M] : [M, K]);
      const b = randn(rng, bT ? [N, K] : [K, N]);
      const c = randn(rng, [M, N]);
      const ref = await ortOp("Gemm", { A: a, B: b, C: c }, { attrs });

      await setMatmulKernels("simd");
      expect(matmulKernels()).toBe("simd");
      const out = Float32Array.from(c.data);
      run(out, a.data, b.data, M, K, N);
      const tol = bound(a.data, b.data, c.data, M, K, N, aT, bT);
      // two any-order sums (ours and ORT's), one more rounding for adding C
      expect(worstRatio(tensor(out, [M, N]), ref, (i) => 2 * (K + 1) * U * tol[i])).toBeLessThanOrEqual(1);

      // the dispatch really went to the SIMD kernel: the same bits as calling it directly
      const direct = Float32Array.from(c.data);
      new SimdMatmul(await compileSimdMatmul()).accumulate(direct, a.data, b.data, M, K, N, aT, bT);
      expect(out).toEqual(direct);
      await setMatmulKernels("js");
      expect(matmulKernels()).toBe("js");
    });
  }

  it("leaves small and float64 products to the JS loops (same bits as with kernels = js)", async () => {
    const rng = new Rng(7);
    const a = randn(rng, [8, 8]);
    const b = randn(rng, [8, 8]); // 512 multiply-adds, far below SIMD_MIN_WORK
    const js = new Float32Array(64);
    matmulAccumulate(js, a.data, b.data, 8, 8, 8);
    const a64 = Float64Array.from(randn(rng, [40, 40]).data);
    const js64 = new Float64Array(1600);
    matmulAccumulate(js64, a64, a64, 40, 40, 40);
    await setMatmulKernels("simd");
    const small = new Float32Array(64);
    matmulAccumulate(small, a.data, b.data, 8, 8, 8);
    const f64 = new Float64Array(1600);
    matmulAccumulate(f64, a64, a64, 40, 40, 40);
    await setMatmulKernels("js");
    expect(small).toEqual(js);
    expect(f64).toEqual(js64);
  });
});
