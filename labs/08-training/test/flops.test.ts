// Exercise training-flops: src/flops.ts.
import { checkpointDir, forwardPass, linearForward, loadCheckpoint } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { PF_DAY, forwardFlopsPerToken, sixND, trainingFlops } from "../src/flops.ts";

// The course's target: 4 layers × d_model 128, context 128, 940,800 parameters,
// trained on 614,400 tokens (checkpoints/target/training.json).
const target = { N: 940_800, nLayer: 4, nCtx: 128, dModel: 128 };

describe("exercise: training-flops", () => {
  it("prices the target's own training run by hand", () => {
    // 6·N·D     = 6 · 940,800 · 614,400          = 3,468,165,120,000
    // attention = 6 · 4 · 128 · 128 · 614,400    =   241,591,910,400   (393,216 per token)
    // total                                      = 3,709,757,030,400   ≈ 3.71e12 FLOPs, attention 6.5% of it
    expect(sixND(940_800, 614_400)).toBe(3_468_165_120_000);
    expect(trainingFlops(target, 614_400)).toBe(3_709_757_030_400);
  });

  it("is 3 × Kaplan's forward count, per token", () => {
    // forward: 2·940,800 + 2·4·128·128 = 1,881,600 + 131,072 = 2,012,672; × 3 = 6,038,016
    expect(forwardFlopsPerToken(target)).toBe(2_012_672);
    expect(trainingFlops(target, 1)).toBe(6_038_016);
    expect(trainingFlops(target, 0)).toBe(0);
  });

  it("grows with the context only through the attention term", () => {
    // doubling n_ctx adds 6·4·128·128 = 393,216 FLOPs per token, nothing else
    const wider = trainingFlops({ ...target, nCtx: 256 }, 1) - trainingFlops(target, 1);
    expect(wider).toBe(393_216);
    // with no layers (or no context) it is exactly 6·N·D
    expect(trainingFlops({ ...target, nLayer: 0 }, 1000)).toBe(sixND(940_800, 1000));
  });

  it("gives GPT-3's 3.14e23 FLOPs and 3.64e3 PF-days (Brown et al. 2020, Table D.1)", () => {
    // Table D.1: 174,600M parameters, 300B tokens, 3.14E+23 flops, 3.64E+03 petaflop/s-days, from 6·N·D
    // 6 · 174.6e9 · 300e9 = 3.1428e23;  / 8.64e19 FLOPs per PF-day = 3,637.5
    const C = sixND(174.6e9, 300e9);
    expect(C.toPrecision(3)).toBe("3.14e+23");
    expect((C / PF_DAY).toPrecision(3)).toBe("3.64e+3");
    // Kaplan's attention term adds 6·96·2048·12288 per token (n_ctx 2048, d_model 12288): 1.4% more
    const gpt3 = { N: 174.6e9, nLayer: 96, nCtx: 2048, dModel: 12288 };
    expect(trainingFlops(gpt3, 300e9) / C).toBeCloseTo(1.0138, 4);
  });

  it("gives Chinchilla 70B × 1.4T ≈ 5.88e23, within 2.1% of Gopher's budget (Hoffmann et al. 2022)", () => {
    // 6 · 70e9 · 1.4e12 = 5.88e23. Chinchilla "uses the same compute budget as Gopher": Table 3 lists that
    // budget as 5.76e+23 FLOPs (its 67B / 1.5T row, "1 Gopher unit"); 5.88 / 5.76 = 1.0208
    const C = sixND(70e9, 1.4e12);
    expect(C).toBeCloseTo(5.88e23, -20);
    expect(Math.abs(C / 5.76e23 - 1)).toBeLessThan(0.021);
  });

  it("counts 2 FLOPs per weight per token: the target's linears, counted one by one", () => {
    // Every linear x[rows, K]·W[K, N] is 2·rows·K·N FLOPs; one forward over T = 128 tokens.
    // Per token: 4 layers · 2·(3·128² + 128² + 4·128² + 4·128²) = 4 · 2 · 196,608 = 1,572,864, plus the
    // tied LM head 2·1024·128 = 262,144: 1,835,008. That is 2·917,504, and 917,504 = 940,800 − 23,296:
    // the position table (16,384), biases (4·(3·128 + 128 + 512 + 128) = 4,608) and LayerNorm gains and
    // shifts (9·2·128 = 2,304) are parameters that do no matmul, so 6·N overstates ours by 2.5%.
    const model = loadCheckpoint(checkpointDir("target"));
    const T = 128;
    let flops = 0;
    forwardPass(
      model,
      Array.from({ length: T }, (_, i) => (i * 7) % 1024),
      1,
      T,
      {
        linear: (_l, _name, x, rows, K, N, W) => {
          flops += 2 * rows * K * N;
          const y = new Float32Array(rows * N);
          linearForward(y, x, W.weight, W.bias, rows, K, N);
          return y;
        },
      },
    );
    const lmHead = 2 * 1024 * 128;
    expect(flops / T + lmHead).toBe(1_835_008);
    expect((flops / T + lmHead) / 2).toBe(940_800 - 23_296);
  });
});
