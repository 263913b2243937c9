// Cholesky, SPD inverse and GPTQ's inverse Cholesky factor, checked against
// matrices worked by hand and against the identities that define them
// (L·Lᵀ = A, A⁻¹·A = I, UᵀU·A = I), never against each other.
import { describe, expect, it } from "vitest";
import { Rng, cholesky, inverseCholeskyUpper, spdInverse } from "../src/index.ts";

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

// C [n, n] = A·B, or Aᵀ·B, by the definition.
function mul(a: Float64Array, b: Float64Array, n: number, transA = false): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (transA ? a[k * n + i] : a[i * n + k]) * b[k * n + j];
      c[i * n + j] = s;
    }
  return c;
}
const transpose = (a: Float64Array, n: number) => {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
};
const identity = (n: number) => {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
};

// A = XᵀX / T + 0.1·I for a random X [T, n] with two nearly collinear columns: SPD, badly conditioned.
function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const T = 4 * n;
  const x = Float64Array.from({ length: T * n }, () => rng.normal(0, 1));
  for (let t = 0; t < T; t++) x[t * n + 1] = x[t * n + 0] + 0.01 * x[t * n + 1];
  const xtx = new Float64Array(n * n);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) xtx[i * n + j] += (x[t * n + i] * x[t * n + j]) / T;
  for (let i = 0; i < n; i++) xtx[i * n + i] += 0.1;
  return xtx;
}

describe("by hand", () => {
  it("a 2×2: A = [[4, 2], [2, 3]]", () => {
    // L = [[2, 0], [1, √2]]  (2² = 4, 2·1 = 2, 1² + √2² = 3)
    // A⁻¹ = [[3, −2], [−2, 4]] / det, det = 4·3 − 2·2 = 8
    // U upper with UᵀU = A⁻¹: U₀₀² = 3/8; U₀₀·U₀₁ = −2/8 → U₀₁ = −1/√6; U₀₁² + U₁₁² = 4/8 → U₁₁ = 1/√3
    // (U₁₁² = 1/3 = 1/A₁₁: the inverse Hessian of the problem with row 0 gone, as GPTQ needs it)
    const A = Float64Array.from([4, 2, 2, 3]);
    expect(maxAbsDiff(cholesky(A, 2), [2, 0, 1, Math.SQRT2])).toBeLessThan(1e-15);
    expect(maxAbsDiff(spdInverse(A, 2), [3 / 8, -2 / 8, -2 / 8, 4 / 8])).toBeLessThan(1e-15);
    expect(
      maxAbsDiff(inverseCholeskyUpper(A, 2), [Math.sqrt(3 / 8), -1 / Math.sqrt(6), 0, 1 / Math.sqrt(3)]),
    ).toBeLessThan(1e-15);
  });
  it("a 3×3: A = [[4, 12, −16], [12, 37, −43], [−16, −43, 98]]", () => {
    // L = [[2, 0, 0], [6, 1, 0], [−8, 5, 3]]:
    //   L₀₀ = √4 = 2, L₁₀ = 12/2 = 6, L₂₀ = −16/2 = −8, L₁₁ = √(37 − 36) = 1,
    //   L₂₁ = (−43 − (−8)·6)/1 = 5, L₂₂ = √(98 − 64 − 25) = 3
    // L⁻¹ = [[1/2, 0, 0], [−3, 1, 0], [19/3, −5/3, 1/3]] (forward substitution), A⁻¹ = L⁻ᵀ·L⁻¹:
    //   A⁻¹ = [[1777/36, −122/9, 19/9], [−122/9, 34/9, −5/9], [19/9, −5/9, 1/9]]
    const A = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    expect(maxAbsDiff(cholesky(A, 3), [2, 0, 0, 6, 1, 0, -8, 5, 3])).toBeLessThan(1e-14);
    const inv = [1777 / 36, -122 / 9, 19 / 9, -122 / 9, 34 / 9, -5 / 9, 19 / 9, -5 / 9, 1 / 9];
    expect(maxAbsDiff(spdInverse(A, 3), inv)).toBeLessThan(1e-12);
  });
});

describe("the defining identities on a badly conditioned 24×24", () => {
  const n = 24;
  const A = randomSpd(n, 7);
  it("L is lower triangular with a positive diagonal, and L·Lᵀ = A", () => {
    const L = cholesky(A, n);
    for (let i = 0; i < n; i++) {
      expect(L[i * n + i]).toBeGreaterThan(0);
      for (let j = i + 1; j < n; j++) expect(L[i * n + j]).toBe(0);
    }
    expect(maxAbsDiff(mul(L, transpose(L, n), n), A)).toBeLessThan(1e-12);
  });
  it("A⁻¹·A = I and A·A⁻¹ = I", () => {
    const inv = spdInverse(A, n);
    expect(maxAbsDiff(mul(inv, A, n), identity(n))).toBeLessThan(1e-9);
    expect(maxAbsDiff(mul(A, inv, n), identity(n))).toBeLessThan(1e-9);
  });
  it("U is upper triangular with a positive diagonal, and (UᵀU)·A = I", () => {
    const U = inverseCholeskyUpper(A, n);
    for (let i = 0; i < n; i++) {
      expect(U[i * n + i]).toBeGreaterThan(0);
      for (let j = 0; j < i; j++) expect(U[i * n + j]).toBe(0);
    }
    expect(maxAbsDiff(mul(mul(U, U, n, true), A, n), identity(n))).toBeLessThan(1e-9);
  });
  it("U[k, k]² is the top-left entry of (A[k:, k:])⁻¹", () => {
    // GPTQ's reason for U: row k of U is the OBS update for the problem with rows 0 … k−1 already
    // quantized, whose inverse Hessian is (A[k:, k:])⁻¹; its top-left entry is U[k, k]².
    const U = inverseCholeskyUpper(A, n);
    for (const k of [0, 5, n - 1]) {
      const m = n - k;
      const sub = new Float64Array(m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) sub[i * m + j] = A[(k + i) * n + (k + j)];
      expect(U[k * n + k] ** 2 / spdInverse(sub, m)[0]).toBeCloseTo(1, 10);
    }
  });
});

describe("bad input", () => {
  it("a matrix that is not positive definite is an error naming the pivot", () => {
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite at 1/);
    expect(() => spdInverse(Float64Array.from([0, 0, 0, 1]), 2)).toThrow(/not positive definite at 0/);
  });
  it("a size that does not match is an error", () => {
    expect(() => cholesky(Float64Array.from([1, 0, 0]), 2)).toThrow(/must be \[2, 2\], got 3/);
  });
});
