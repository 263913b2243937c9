import { dequantizeInt4, quantizeRtn } from "@llm-labs/lab-quantization";
import { checkpointDir, loadCheckpoint } from "@llm-labs/model";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { lorc } from "../src/lorc.ts";
import { frobenius2 } from "../src/low-rank.ts";

describe("exercise: lorc", () => {
  it("adds back the best rank-r part of the INT4 error: what is left is Σ_{i>r} σ_i(E)²", () => {
    const draft = loadCheckpoint(checkpointDir("draft"));
    const w = Float32Array.from(draft.params.h[1].c_attn.weight); // [64, 192]
    const [K, N] = [64, 192];
    // E = W − dequant(RTN INT4, g32), from lab 04, and its spectrum from ml-matrix.
    const wq = dequantizeInt4(quantizeRtn(w, K, N, 32));
    const E = new Matrix(
      Array.from({ length: K }, (_, k) => Array.from({ length: N }, (_, n) => w[k * N + n] - wq[k * N + n])),
    );
    const sigma = new SingularValueDecomposition(E, { autoTranspose: true }).diagonal;
    const int4Error = frobenius2(w.map((v, i) => v - wq[i]));
    let last = int4Error;
    for (const r of [4, 16, 48]) {
      const { merged } = lorc(w, K, N, r, 32);
      let dropped = 0;
      for (let i = r; i < sigma.length; i++) dropped += sigma[i] ** 2;
      const left = frobenius2(w.map((v, i) => v - merged[i]));
      expect(left / dropped).toBeCloseTo(1, 4); // merged is float32: 4 places
      expect(left).toBeLessThan(last);
      last = left;
    }
  });

  it("at full rank recovers W, and at rank 0 is plain INT4", () => {
    const draft = loadCheckpoint(checkpointDir("draft"));
    const w = Float32Array.from(draft.params.h[0].attn_c_proj.weight); // [64, 64]
    const wq = dequantizeInt4(quantizeRtn(w, 64, 64, 32));
    const full = lorc(w, 64, 64, 64, 32).merged;
    for (let i = 0; i < w.length; i++) expect(full[i]).toBeCloseTo(w[i], 6);
    expect([...lorc(w, 64, 64, 0, 32).merged]).toEqual([...wq]);
  });
});
