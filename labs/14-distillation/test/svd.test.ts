import { checkpointDir, loadCheckpoint } from "@llm-labs/model";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { svd } from "../src/svd.ts";

// ml-matrix's SVD (Golub–Kahan, ported from JAMA) on a [rows, cols] row-major array.
function library(a: ArrayLike<number>, rows: number, cols: number) {
  const m = new Matrix(
    Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => a[r * cols + c])),
  );
  return new SingularValueDecomposition(m, { autoTranspose: true });
}

function reconstruct(d: ReturnType<typeof svd>): Float64Array {
  const out = new Float64Array(d.m * d.n);
  for (let i = 0; i < d.m; i++)
    for (let j = 0; j < d.k; j++)
      for (let c = 0; c < d.n; c++) out[i * d.n + c] += d.U[i * d.k + j] * d.S[j] * d.Vt[j * d.n + c];
  return out;
}

describe("svd", () => {
  it("finds the singular values of a 2 × 2 matrix (hand calculation)", () => {
    // A = [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]], eigenvalues 45 and 5, so σ = √45, √5.
    const d = svd([3, 0, 4, 5], 2, 2);
    expect(d.S[0]).toBeCloseTo(Math.sqrt(45), 12);
    expect(d.S[1]).toBeCloseTo(Math.sqrt(5), 12);
  });

  it("agrees with ml-matrix on the draft specimen's weights, tall and wide, and U Σ Vᵀ gives W back", () => {
    const draft = loadCheckpoint(checkpointDir("draft"));
    const cases: [Float32Array, number, number][] = [
      [draft.params.h[0].c_attn.weight as Float32Array, 64, 192], // wide: [C, 3C]
      [draft.params.h[1].mlp_c_proj.weight as Float32Array, 256, 64], // tall: [4C, C]
    ];
    for (const [w, K, N] of cases) {
      const ours = svd(w, K, N);
      const theirs = library(w, K, N).diagonal;
      expect(ours.k).toBe(Math.min(K, N));
      for (let i = 0; i < ours.k; i++)
        expect(Math.abs(ours.S[i] - theirs[i])).toBeLessThan(1e-10 * theirs[0]);
      const back = reconstruct(ours);
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(back[i] - w[i]));
      expect(worst).toBeLessThan(1e-9);
    }
  });

  it("agrees with ml-matrix on a layer the README factorizes: the target's block 1 c_fc [128, 512]", () => {
    const target = loadCheckpoint(checkpointDir("target"));
    const [K, N] = [128, 512];
    const w = target.params.h[1].c_fc.weight as Float32Array;
    const ours = svd(w, K, N);
    const theirs = library(w, K, N).diagonal;
    expect(ours.k).toBe(128);
    for (let i = 0; i < ours.k; i++) expect(Math.abs(ours.S[i] - theirs[i])).toBeLessThan(1e-10 * theirs[0]);
    const back = reconstruct(ours);
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(back[i] - w[i]));
    expect(worst).toBeLessThan(1e-9);
  });
});
