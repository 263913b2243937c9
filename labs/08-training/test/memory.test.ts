// Exercise zero-memory: src/memory.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AdamW,
  checkpointDir,
  countParams,
  llamaParamCount,
  parseConfig,
  parseLlamaConfig,
  zeroGrads,
  createGPT,
} from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import {
  FP32_ADAM,
  MIXED_ADAM,
  MIXED_ADAM_8BIT,
  MIXED_SGD_MOMENTUM,
  activationBytesPerLayer,
  bytesPerParam,
  trainingMemory,
  zeroMemory,
} from "../src/memory.ts";

const GB = 1e9; // the ZeRO paper's GB: 10⁹ bytes
const config = (name: string): unknown =>
  JSON.parse(readFileSync(join(checkpointDir(name), "config.json"), "utf8"));

describe("exercise: zero-memory", () => {
  it("reproduces the ZeRO paper's Figure 1: Ψ = 7.5B, N_d = 64, K = 12", () => {
    // By hand, Ψ = 7.5e9:
    //   baseline  (2 + 2 + 12)·Ψ               = 16·7.5e9         = 120e9         → 120 GB
    //   P_os      4Ψ + 12Ψ/64 = 30e9 + 1.40625e9                  = 31.40625e9    → 31.4 GB
    //   P_os+g    2Ψ + 14Ψ/64 = 15e9 + 1.640625e9                 = 16.640625e9   → 16.6 GB
    //   P_os+g+p  16Ψ/64      = 1.875e9                                           → 1.9 GB
    // (1.875 rounds up to 1.9: the paper rounds half up, and so does toFixed(1) on 1.875, exact in binary)
    const psi = 7.5e9;
    const totals = ([0, 1, 2, 3] as const).map((s) => zeroMemory(psi, 64, s).total);
    expect(totals).toEqual([120e9, 31.40625e9, 16.640625e9, 1.875e9]);
    expect(totals.map((b) => (b / GB).toFixed(1))).toEqual(["120.0", "31.4", "16.6", "1.9"]);
  });

  it("splits each stage into weights, gradients and optimizer states", () => {
    // Ψ = 1000, N_d = 4, mixed precision: weights 2·1000 = 2000 or 2·250 = 500,
    // gradients 2000 or 500, optimizer 12·1000 = 12000 or 12·250 = 3000
    expect(zeroMemory(1000, 4, 0)).toEqual({ weights: 2000, grads: 2000, optimizer: 12000, total: 16000 });
    expect(zeroMemory(1000, 4, 1)).toEqual({ weights: 2000, grads: 2000, optimizer: 3000, total: 7000 });
    expect(zeroMemory(1000, 4, 2)).toEqual({ weights: 2000, grads: 500, optimizer: 3000, total: 5500 });
    expect(zeroMemory(1000, 4, 3)).toEqual({ weights: 500, grads: 500, optimizer: 3000, total: 4000 });
  });

  it("gives the paper's 4× (P_os) and 8× (P_os+g) reductions as N_d grows, and 1/N_d for P_os+g+p", () => {
    // 16Ψ / (4Ψ + 12Ψ/N_d) → 4 and 16Ψ / (2Ψ + 14Ψ/N_d) → 8 as N_d → ∞; stage 3 is exactly 16Ψ/N_d
    const psi = 1e9;
    const Nd = 1_000_000;
    const base = zeroMemory(psi, Nd, 0).total;
    expect(base / zeroMemory(psi, Nd, 1).total).toBeCloseTo(4, 3);
    expect(base / zeroMemory(psi, Nd, 2).total).toBeCloseTo(8, 3);
    expect(zeroMemory(psi, 1024, 3).total).toBe((16 * psi) / 1024);
    // one device: every stage is the baseline
    for (const s of [1, 2, 3] as const) expect(zeroMemory(psi, 1, s).total).toBe(16 * psi);
  });

  it("partitions fp32 states too: 4 + 4 + 8 bytes", () => {
    // Ψ = 800, N_d = 8, fp32 with Adam: stage 1 = 4·800 + 4·800 + 8·100 = 7200; stage 3 = 16·100 = 1600
    expect(zeroMemory(800, 8, 1, FP32_ADAM).total).toBe(7200);
    expect(zeroMemory(800, 8, 3, FP32_ADAM).total).toBe(1600);
  });

  it("adds 4 layers of activations for the target's whole step (B = 4, T = 128)", () => {
    // fp32 Adam states 16·940,800 = 15,052,800 + 4 layers · 3,538,944 (16-bit activations, see below)
    const act = { s: 128, b: 4, h: 128, a: 4 };
    // = 15,052,800 + 14,155,776 = 29,208,576 bytes; with ZeRO-3 over 4 devices the states drop to 3,763,200
    const m = trainingMemory(940_800, 4, act, { bytes: FP32_ADAM });
    expect(m.activations).toBe(14_155_776);
    expect(m.total).toBe(29_208_576);
    expect(trainingMemory(940_800, 4, act, { bytes: FP32_ADAM, Nd: 4, stage: 3 }).total).toBe(
      3_763_200 + 14_155_776,
    );
  });

  it("refuses a fractional device count, in one line", () => {
    expect(() => zeroMemory(1e9, 2.5, 1)).toThrow("zeroMemory: need Ψ ≥ 0 and a whole number of devices");
  });
});

describe("bytes per parameter", () => {
  it("is 16 for fp32 + Adam and for mixed precision + Adam (ZeRO §3.1)", () => {
    expect(bytesPerParam(FP32_ADAM)).toBe(16); // 4 + 4 + 8
    expect(bytesPerParam(MIXED_ADAM)).toBe(16); // 2 + 2 + 12
  });

  it("adds up Transformer Math 101's optimizer figures", () => {
    // fp16 weights 2 + fp16 gradients 2 + optimizer: AdamW 12 (4 + 4 + 4), 8-bit 6 (4 + 1 + 1), SGD+momentum 8 (4 + 4)
    expect(bytesPerParam(MIXED_ADAM_8BIT)).toBe(10);
    expect(bytesPerParam(MIXED_SGD_MOMENTUM)).toBe(12);
  });

  it("matches the buffers our own training loop allocates for the target (fp32 AdamW)", () => {
    // params and grads are Float32Array (4 + 4), AdamW keeps m and v as Float32Array (4 + 4)
    const c = parseConfig(config("target"));
    const model = createGPT(c, 1);
    const grads = zeroGrads(model);
    const n = model.params.flat.length;
    const opt = new AdamW(n, new Uint8Array(n));
    const measured =
      model.params.flat.byteLength + grads.flat.byteLength + opt.m.byteLength + opt.v.byteLength;
    expect(measured).toBe(bytesPerParam(FP32_ADAM) * n);
  });

  it("prices the course's specimens, with parameters counted from their configs", () => {
    // training.json records 940,800 (target) and 885,888 (llama) parameters;
    // 16 bytes each: 15,052,800 and 14,174,208 bytes, about 15 MB: a phone holds it
    const target = countParams(parseConfig(config("target")));
    const llama = llamaParamCount(parseLlamaConfig(config("llama")));
    expect([target, llama]).toEqual([940_800, 885_888]);
    expect(bytesPerParam(MIXED_ADAM) * target).toBe(15_052_800);
    expect(bytesPerParam(FP32_ADAM) * llama).toBe(14_174_208);
  });
});

describe("activation memory (Korthikanti et al. 2022, eq. 1)", () => {
  it("is sbh·(34 + 5as/h) bytes per layer, by hand on GPT-3 175B's shape", () => {
    // s = 2048, b = 1, h = 12288, a = 96: 5·96·2048/12288 = 80, so 34 + 80 = 114
    // sbh = 2048·12288 = 25,165,824; × 114 = 2,868,903,936 bytes per layer (≈ 2.87 GB; × 96 layers ≈ 275 GB)
    const gpt3 = { s: 2048, b: 1, h: 12288, a: 96 };
    expect(activationBytesPerLayer(gpt3)).toBe(2_868_903_936);
    // selective recomputation keeps 34·sbh = 855,638,016; full keeps the input, 2·sbh = 50,331,648
    expect(activationBytesPerLayer(gpt3, "selective")).toBe(855_638_016);
    expect(activationBytesPerLayer(gpt3, "full")).toBe(50_331_648);
  });

  it("splits all but 10·sbh across t tensor-parallel ranks (eq. 2)", () => {
    // t = 8 on the shape above: sbh·(10 + 3 + 10) = 23·25,165,824 = 578,813,952
    expect(activationBytesPerLayer({ s: 2048, b: 1, h: 12288, a: 96, t: 8 })).toBe(578_813_952);
  });

  it("on the target at B = 4, T = 128: the scores term is 20 of 54", () => {
    // s = 128, b = 4, h = 128, a = 4: 5·4·128/128 = 20; sbh = 65,536; 54·65,536 = 3,538,944 bytes per layer
    const act = { s: 128, b: 4, h: 128, a: 4 };
    expect(activationBytesPerLayer(act)).toBe(3_538_944);
  });
});
