// Linear algebra for symmetric positive definite (SPD) matrices: what GPTQ
// (lab 04) and SparseGPT (lab 06) need from the Hessian H of a layer's output
// error. Every matrix is a row-major Float64Array [n, n]: the Hessian of a
// 512-input layer has condition numbers float32 cannot carry.
//
//   Cholesky:   A = L·Lᵀ, L lower triangular with a positive diagonal
//               L[i, j] = (A[i, j] − Σ_{k<j} L[i, k]·L[j, k]) / L[j, j]     (j < i)
//               L[i, i] = √(A[i, i] − Σ_{k<i} L[i, k]²)
//   inverse:    A⁻¹ from L·Y = I (forward substitution), then Lᵀ·A⁻¹ = Y (back substitution)
//   GPTQ's U:   the upper Cholesky factor of A⁻¹, A⁻¹ = UᵀU, i.e. U = Lᵀ for L·Lᵀ = A⁻¹
//
// An A that is not SPD (a zero or negative pivot) is an error, not a NaN: the
// callers add dampening λI to H so that it never happens on real data.

// Lower Cholesky factor L [n, n] of an SPD A [n, n]: A = L·Lᵀ.
export function cholesky(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`cholesky: A must be [${n}, ${n}], got ${a.length} values`);
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (s <= 0) throw new Error(`cholesky: matrix is not positive definite at ${i}`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  return L;
}

// A⁻¹ [n, n] of an SPD A [n, n], from A = L·Lᵀ: solve L·Y = I column by column, then Lᵀ·A⁻¹ = Y.
export function spdInverse(a: Float64Array, n: number): Float64Array {
  const L = cholesky(a, n);
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const y = new Float64Array(n); // column c of Y = L⁻¹
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
      y[i] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * inv[k * n + c];
      inv[i * n + c] = s / L[i * n + i];
    }
  }
  return inv;
}

// The upper Cholesky factor U [n, n] of A⁻¹ (A⁻¹ = UᵀU): U = Lᵀ where L·Lᵀ = A⁻¹.
// Row k of U holds what GPTQ's Algorithm 1 needs at step k: U[k, k] and U[k, j > k].
export function inverseCholeskyUpper(a: Float64Array, n: number): Float64Array {
  const L = cholesky(spdInverse(a, n), n);
  const U = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) U[i * n + j] = L[j * n + i];
  return U;
}
