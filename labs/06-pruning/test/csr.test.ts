import { describe, expect, it } from "vitest";
import { matmulAccumulate } from "@llm-labs/tensor";
import { heldoutTokens, forward } from "@llm-labs/model";
import { csrBytes, csrMatmul, csrToDense, toCsr } from "../src/csr.ts";
import { applyMask } from "../src/mask.ts";
import { magnitudeMask } from "../src/magnitude.ts";
import { maxAbsDiff, ortMatMul, randomArray, targetModel } from "./util.ts";

// W [3, 4] = [[0, 2, 0, 0], [0, 0, 0, 0], [1, 0, 0, 3]]
const W = [0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 3];

describe("CSR layout", () => {
  it("values, column indices and row pointers by hand; bytes 4·nnz + 2·nnz + 4·(K+1)", () => {
    const a = toCsr(W, 3, 4);
    expect(Array.from(a.values)).toEqual([2, 1, 3]);
    expect(Array.from(a.colIdx)).toEqual([1, 0, 3]);
    expect(Array.from(a.rowPtr)).toEqual([0, 1, 1, 3]); // row 1 is empty: its range is [1, 1)
    expect(csrBytes(a)).toBe(12 + 6 + 16);
    expect(Array.from(csrToDense(a))).toEqual(W);
  });
});

describe("exercise: csr-matmul", () => {
  it("a 1×3 · 3×4 product by hand", () => {
    // Y[c] = Σ_k x_k W[k, c] with x = [1, 2, 3]: [3·1, 1·2, 0, 3·3]
    expect(Array.from(csrMatmul([1, 2, 3], 1, toCsr(W, 3, 4)))).toEqual([3, 2, 0, 9]);
    // two rows of X, the second hits only the empty row
    expect(Array.from(csrMatmul([1, 2, 3, 0, 5, 0], 2, toCsr(W, 3, 4)))).toEqual([3, 2, 0, 9, 0, 0, 0, 0]);
  });
  it("equals ONNX Runtime's MatMul on the target's pruned layer 0 c_fc at 50, 90 and 99 %, real inputs", async () => {
    const model = targetModel();
    const T = 64;
    const x = Float32Array.from(forward(model, (await heldoutTokens(T)).slice(0, T), 1, T).layers[0].ln2);
    const w = model.params.h[0].c_fc.weight;
    for (const p of [0.5, 0.9, 0.99]) {
      const pruned = applyMask(w, magnitudeMask(w, p));
      const ours = csrMatmul(x, T, toCsr(pruned, 128, 512));
      const ort = await ortMatMul(x, T, pruned, 128, 512);
      expect(maxAbsDiff(ours, ort)).toBeLessThan(1e-5);
    }
  });
  it("equals the dense kernel on random sparse weights with negative and zero inputs", () => {
    const M = 5;
    const K = 16;
    const N = 12;
    const x = randomArray(M * K, 3);
    const w = randomArray(K * N, 4);
    x[3] = 0;
    const pruned = applyMask(w, magnitudeMask(w, 0.7));
    const dense = new Float32Array(M * N);
    matmulAccumulate(dense, x, pruned, M, K, N);
    expect(maxAbsDiff(csrMatmul(x, M, toCsr(pruned, K, N)), dense)).toBeLessThan(1e-5);
  });
});
