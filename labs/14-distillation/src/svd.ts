// The singular value decomposition A = U Σ Vᵀ, by one-sided Jacobi rotations
// (Hestenes 1958), the method that is easiest to follow and is accurate to the
// last digits on the small matrices of this course.
//
// For A [m, n] with m ≥ n, rotate pairs of COLUMNS of A until every pair is
// orthogonal. One rotation of columns a_i, a_j by angle θ, chosen so that the
// rotated pair has a zero inner product:
//   α = ‖a_i‖²,  β = ‖a_j‖²,  γ = a_i · a_j
//   ζ = (β − α) / 2γ,   t = sign(ζ) / (|ζ| + √(1 + ζ²)),   c = 1/√(1 + t²),  s = c·t
//   a_i ← c a_i − s a_j,    a_j ← s a_i + c a_j        (and the same on V's columns)
// When no pair has |γ| > ε √(αβ), the columns are A V with V orthogonal; their
// lengths are the singular values σ_j and their directions are U's columns:
//   A V = U Σ   →   A = U Σ Vᵀ.
// A wide A (m < n) is decomposed through its transpose: Aᵀ = V Σ Uᵀ.

export interface Svd {
  m: number;
  n: number;
  k: number; // min(m, n)
  U: Float64Array; // [m, k], orthonormal columns
  S: Float64Array; // [k], σ_1 ≥ σ_2 ≥ … ≥ 0
  Vt: Float64Array; // [k, n], orthonormal rows
}

export function svd(a: ArrayLike<number>, m: number, n: number, eps = 1e-13, maxSweeps = 60): Svd {
  if (a.length !== m * n) throw new Error(`svd: A must be [${m}, ${n}], got ${a.length} values`);
  if (m < n) {
    const t = svd(transpose(a, m, n), n, m, eps, maxSweeps);
    return { m, n, k: t.k, U: transpose(t.Vt, t.k, m), S: t.S, Vt: transpose(t.U, n, t.k) };
  }
  // Columns stored contiguously (col j = cols[j·m … (j+1)·m)): the rotations walk columns.
  const cols = transpose(a, m, n); // [n, m]
  const V = new Float64Array(n * n); // V's columns, also one per row here: [n, n]
  for (let j = 0; j < n; j++) V[j * n + j] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let i = 0; i < n - 1; i++)
      for (let j = i + 1; j < n; j++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let r = 0; r < m; r++) {
          const x = cols[i * m + r];
          const y = cols[j * m + r];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (Math.abs(gamma) <= eps * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(cols, i * m, j * m, m, c, s);
        rotate(V, i * n, j * n, n, c, s);
      }
    if (!rotated) break;
  }
  // σ_j = ‖column j‖, sorted descending; U's column = column / σ (zero when σ = 0).
  const sigma = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let r = 0; r < m; r++) s += cols[j * m + r] ** 2;
    return Math.sqrt(s);
  });
  const order = sigma.map((_, j) => j).sort((x, y) => sigma[y] - sigma[x]);
  const U = new Float64Array(m * n);
  const S = new Float64Array(n);
  const Vt = new Float64Array(n * n);
  order.forEach((j, o) => {
    S[o] = sigma[j];
    for (let r = 0; r < m; r++) U[r * n + o] = sigma[j] > 0 ? cols[j * m + r] / sigma[j] : 0;
    for (let c = 0; c < n; c++) Vt[o * n + c] = V[j * n + c];
  });
  return { m, n, k: n, U, S, Vt };
}

function rotate(x: Float64Array, i: number, j: number, len: number, c: number, s: number): void {
  for (let r = 0; r < len; r++) {
    const a = x[i + r];
    const b = x[j + r];
    x[i + r] = c * a - s * b;
    x[j + r] = s * a + c * b;
  }
}

// [rows, cols] → [cols, rows], in float64.
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}
