// The Hessian of a linear layer's output error, which GPTQ (lab 04) and
// SparseGPT (lab 06) minimize. For inputs X [T, K] and a change ΔW [K, N] of the
// weight, the mean squared output error is a quadratic in each output's column:
//
//   ‖X·ΔW‖² / T = Σ_n Δw_nᵀ (XᵀX / T) Δw_n        so   H = 2 XᵀX / T   (its Hessian, [K, K])
//
// plus dampening λI with λ = damp · mean(diag H) (GPTQ §"Cholesky reformulation":
// 1 % of the mean diagonal), so H is positive definite even when some inputs are
// collinear or dead. Float64 throughout: XᵀX sums T products per entry.

// H [K, K] = 2 XᵀX / T + λ I for X [T, K] (row-major), λ = damp · mean(diag).
export function hessian(x: ArrayLike<number>, T: number, K: number, damp = 0.01): Float64Array {
  if (x.length !== T * K) throw new Error(`hessian: X must be [${T}, ${K}], got ${x.length} values`);
  const H = new Float64Array(K * K);
  for (let t = 0; t < T; t++) {
    const o = t * K;
    for (let i = 0; i < K; i++) {
      const xi = x[o + i];
      if (xi === 0) continue;
      for (let j = i; j < K; j++) H[i * K + j] += xi * x[o + j]; // upper triangle; mirrored below
    }
  }
  for (let i = 0; i < K; i++)
    for (let j = i; j < K; j++) {
      const v = (2 * H[i * K + j]) / T;
      H[i * K + j] = v;
      H[j * K + i] = v;
    }
  let mean = 0;
  for (let i = 0; i < K; i++) mean += H[i * K + i] / K;
  // all inputs dead (mean 0): any W is optimal, and H = I keeps the Cholesky factor defined
  for (let i = 0; i < K; i++) H[i * K + i] += damp * mean + (mean === 0 ? 1 : 0);
  return H;
}
