// Megatron tensor parallelism of one block of the trained target, on 2 and 4 real
// workers, against the specimen's own dense block (packages/model's gptBlockForward).
// The split changes only how the sums of the row-parallel products are grouped
// (Σ over F/N, then over ranks, instead of Σ over F), so the outputs agree to float32
// rounding: values of size ~1–10 summed over F = 512 terms, a few ulps ≈ 1e-5.
import { describe, expect, it } from "vitest";
import {
  allocActivations,
  checkpointDir,
  encoderForward,
  gptBlockForward,
  heldoutTokens,
  loadCheckpoint,
} from "@llm-labs/model";
import { mlpShard, tensorParallelBlock } from "../src/tensor-parallel.ts";
import type { BlockInput, BlockOutput } from "../src/tensor-parallel.ts";
import type { Comm } from "../src/comm.ts";
import { runLocalWorld, runWorld } from "../src/world.ts";

const model = loadCheckpoint(checkpointDir("target"));
const C = model.config.n_embd;
const T = 64;
const ids = (await heldoutTokens(T)).slice(0, T);
const x = new Float32Array(T * C);
encoderForward(x, ids, model.params.wte, model.params.wpe, 1, T, C, model.config.vocab_size);
const task = { module: new URL("../src/tensor-parallel.ts", import.meta.url), name: "tensorParallelBlock" };

describe("exercise: column-row-parallel", () => {
  for (const [layer, N, where] of [
    [0, 2, "local"],
    [0, 4, "local"],
    [3, 2, "local"],
    [0, 2, "workers"],
  ] as [number, number, "local" | "workers"][]) {
    // the dense reference: block `layer` applied to the embeddings of 64 held-out tokens
    const acts = allocActivations(model.config, 1, T);
    const dense = Float32Array.from(gptBlockForward(model, layer, x, acts.layers[layer], 1, T));
    {
      it(`layer ${layer}, ${N} ranks: equals the dense block, with one all-reduce per sublayer`, async () => {
        const res = await runWorld<BlockOutput>(
          task,
          { size: N, capacity: T * C },
          (): BlockInput => ({ layer, x, T }),
        );
        for (const r of res) {
          let worst = 0;
          for (let i = 0; i < T * C; i++) worst = Math.max(worst, Math.abs(r.output.y[i] - dense[i]));
          expect(worst).toBeLessThan(2e-5);
          expect(r.output.allReduces).toBe(2);
          // 4C² (attention) + 2·C·4C (MLP) matrix entries per block, split N ways
          expect(r.output.weightFloats).toBe((4 * C * C + 8 * C * C) / N);
        }
      });
    }
  }

  it("mlpShard: the column/row split of a 1×2 · 2×4 · 4×2 MLP, worked by hand", () => {
    // X = [1, 2]; A = [[1, 0, 1, 0], [0, 1, 0, 1]] (so X·A = [1, 2, 1, 2]), a = [0, 0, 0, 0];
    // B = identity-ish rows [[1, 0], [0, 1], [1, 0], [0, 1]].
    // On 2 ranks: rank 0 takes A's columns 0–1 and B's rows 0–1, rank 1 columns 2–3, rows 2–3.
    //   rank 0: Z_0 = GELU([1, 2]) = [g1, g2];  Y_0 = Z_0·[[1, 0], [0, 1]] = [g1, g2]
    //   rank 1: Z_1 = GELU([1, 2]) = [g1, g2];  Y_1 = [g1, g2]
    // with g(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³))): g1 ≈ 0.841192, g2 ≈ 1.954598.
    // Y_0 + Y_1 = 2·[g1, g2] = GELU(X·A)·B.
    const X = new Float32Array([1, 2]);
    const A = new Float32Array([1, 0, 1, 0, 0, 1, 0, 1]);
    const B = new Float32Array([1, 0, 0, 1, 1, 0, 0, 1]);
    const a = new Float32Array(4);
    for (const rank of [0, 1]) {
      const comm = { rank, size: 2 } as Comm; // mlpShard computes locally: no messages
      const Y = mlpShard(comm, X, 1, 2, A, a, B);
      expect(Y[0]).toBeCloseTo(0.841192, 5);
      expect(Y[1]).toBeCloseTo(1.954598, 5);
    }
  });
});
