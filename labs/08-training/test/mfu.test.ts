// MFU arithmetic (src/mfu.ts) on hand numbers; bench/mfu.bench.ts measures our own. No timing here.
import { describe, expect, it } from "vitest";
import { trainingFlops } from "../src/flops.ts";
import { achievedFlopsPerSecond, matmulFlops, mfu, modelFlopsPerToken } from "../src/mfu.ts";

describe("model FLOPs utilization", () => {
  it("counts 2·M·K·N FLOPs for a matmul", () => {
    // 512³ · 2 = 268,435,456; 1024³ · 2 = 2,147,483,648
    expect(matmulFlops(512, 512, 512)).toBe(268_435_456);
    expect(matmulFlops(1024, 1024, 1024)).toBe(2_147_483_648);
    expect(matmulFlops(4, 3, 2)).toBe(48);
  });

  it("counts PaLM's 6N + 12·L·H·Q·T per token, by hand on the target", () => {
    // N = 940,800, L = 4, H = 4, Q = 32, T = 128: 5,644,800 + 12·4·4·32·128 = 5,644,800 + 786,432 = 6,431,232
    expect(modelFlopsPerToken({ N: 940_800, L: 4, H: 4, Q: 32, T: 128 })).toBe(6_431_232);
  });

  it("charges attention twice what Kaplan's count does (Q·Kᵀ and A·V, not one of them)", () => {
    // PaLM: 12·L·H·Q·T = 786,432 on the target; Kaplan (flops.ts): 6·n_layer·n_ctx·d_model = 393,216
    const N = 940_800;
    const palm = modelFlopsPerToken({ N, L: 4, H: 4, Q: 32, T: 128 }) - 6 * N;
    const kaplan = trainingFlops({ N, nLayer: 4, nCtx: 128, dModel: 128 }, 1) - 6 * N;
    expect([palm, kaplan]).toEqual([786_432, 393_216]);
  });

  it("reproduces PaLM 540B's 46.2% (Chowdhery et al. 2022, §4 and Table 3)", () => {
    // N = 540.35B, L = 118, H = 48, Q = 256 (PaLM's head size), T = 2048:
    //   6N = 3.2421e12, 12·118·48·256·2048 = 3.5635e10, so 3.27773e12 FLOPs per token
    // at 238.3K tokens/s: 7.8108e17 FLOP/s; peak 6144 TPU v4 chips × 275e12 (bf16) = 1.68960e18
    // 7.8108e17 / 1.6896e18 = 0.4623
    const perToken = modelFlopsPerToken({ N: 540.35e9, L: 118, H: 48, Q: 256, T: 2048 });
    expect(perToken).toBeCloseTo(3.277734806784e12, -3);
    expect(mfu(238.3e3, perToken, 6144 * 275e12).toFixed(3)).toBe("0.462");
  });

  it("is achieved FLOP/s over peak FLOP/s", () => {
    // Transformer Math 101: GPT-NeoX reaches 150 TFLOP/s per A100 (180 with Flash Attention);
    // over the A100's 312 TFLOP/s bf16 peak: 150/312 = 0.4808, 180/312 = 0.5769
    expect(mfu(1, 150e12, 312e12)).toBeCloseTo(0.4808, 4);
    expect(mfu(1, 180e12, 312e12)).toBeCloseTo(0.5769, 4);
    // the target at 365 tokens/s (training.json): 365 · 6,431,232 = 2,347,399,680 FLOP/s;
    // against a 50 GFLOP/s peak that is 0.0469
    expect(achievedFlopsPerSecond(365, 6_431_232)).toBe(2_347_399_680);
    expect(mfu(365, 6_431_232, 50e9)).toBeCloseTo(0.046948, 6);
  });

  it("refuses a zero peak, in one line", () => {
    expect(() => mfu(1, 1, 0)).toThrow("mfu: the peak must be > 0 FLOP/s, got 0");
  });
});
