import { describe, expect, it } from "vitest";
import { countParams } from "@llm-labs/model";
import {
  BF16_ADAM,
  GPT3_175B,
  LLAMA_65B,
  LLAMA_7B,
  fullFinetune,
  linearParams,
  llamaFfn,
  loraMemory,
  loraParams,
  specimenShape,
  totalParams,
} from "../src/memory.ts";
import { scaleBitsPerWeight } from "../src/double-quant.ts";
import { targetModel } from "./util.ts";

describe("parameter counts", () => {
  it("the specimen's shape adds up to the checkpoint's parameter count", () => {
    const c = targetModel().config;
    expect(totalParams(specimenShape(c))).toBe(countParams(c));
  });
  it("LLaMA's FFN width: 2/3·4d rounded up to a multiple of 256", () => {
    expect(llamaFfn(4096)).toBe(11008);
    expect(llamaFfn(8192)).toBe(22016);
  });
  it("LLaMA-7B has 6,738,415,616 parameters (the count Hugging Face reports for llama-7b)", () => {
    // 32 layers × (4·4096² attention + 3·4096·11008 SwiGLU) = 6,476,005,376 linear weights;
    // 32 × 2·4096 RMSNorms + 2·32000·4096 embeddings and head + 4096 final norm = 262,410,240 others
    expect(linearParams(LLAMA_7B)).toBe(6_476_005_376);
    expect(LLAMA_7B.other).toBe(262_410_240);
    expect(totalParams(LLAMA_7B)).toBe(6_738_415_616);
  });
  it("LLaMA-65B: 80 layers × (4·8192² + 3·8192·22016 + 2·8192) + 2·32000·8192 + 8192", () => {
    expect(totalParams(LLAMA_65B)).toBe(
      80 * (4 * 8192 ** 2 + 3 * 8192 * 22016 + 2 * 8192) + 2 * 32000 * 8192 + 8192,
    );
    expect(totalParams(LLAMA_65B) / 1e9).toBeCloseTo(65.3, 1);
  });
  it("LoRA r on a d×d matrix adds r·2d: GPT-3 175B with r = 4 on W_q, W_v: 96·2·4·(12288 + 12288) = 18,874,368 (LoRA §4.2: a ~35 MB checkpoint)", () => {
    expect(loraParams(GPT3_175B, 4, ["q", "v"])).toBe(18_874_368);
    // the checkpoint holds only the adapter in fp16: loraMemory's trainable part at 2 bytes, no grads or Adam
    // 18,874,368 · 2 bytes = 37,748,736 bytes = 36 MiB (the paper's "35MB")
    const ckpt = loraMemory(GPT3_175B, 4, ["q", "v"], 16, {
      name: "fp16 checkpoint",
      weight: 2,
      grad: 0,
      optimizer: 0,
    });
    expect(ckpt.trainableBytes).toBe(37_748_736);
    expect(ckpt.trainableBytes / 2 ** 20).toBe(36);
    expect(totalParams(GPT3_175B) / 1e9).toBeCloseTo(175, -1);
  });
  it("unknown target names are an error, not a silent zero", () => {
    expect(() => loraParams(LLAMA_7B, 8, ["q", "v"])).toThrow(/q_proj/);
  });
});

describe("QLoRA's memory arithmetic for LLaMA-65B", () => {
  it("16-bit full fine-tuning: 12 bytes per parameter, 'more than 780 GB'", () => {
    const full = fullFinetune(LLAMA_65B, BF16_ADAM);
    expect(full.total).toBe(totalParams(LLAMA_65B) * 12);
    expect(full.total / 1e9).toBeGreaterThan(780);
  });
  it("NF4 + double quant base with a bf16 r = 64 adapter on every linear fits in 48 GB", () => {
    const bits = 4 + scaleBitsPerWeight(64, true);
    const q = loraMemory(LLAMA_65B, 64, "all", bits, BF16_ADAM);
    // by hand: 80 layers × 64 × (4·(8192 + 8192) + 2·(8192 + 22016) + (22016 + 8192)) adapter weights
    expect(q.trainable).toBe(80 * 64 * (4 * 16384 + 2 * 30208 + 30208));
    expect(q.frozenBytes).toBeCloseTo((linearParams(LLAMA_65B) * bits) / 8 + LLAMA_65B.other * 2, 0);
    expect(q.total / 1e9).toBeLessThan(48);
    expect(q.total / 1e9).toBeGreaterThan(40); // and it is a tight fit, not a free one
  });
});
