// src/compare.ts: GPT-2 "target" vs the Llama specimen (no exercises here; nothing is timed).
import {
  KVCache,
  checkpointDir,
  countParams,
  llamaParamTotal,
  loadCheckpoint,
  type GPT,
} from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { countedParamsByKind, kvBytesPerToken, paramsByKind, trainingRun } from "../src/compare.ts";
import { llamaSpecimen } from "./util.ts";

let gpt: GPT | undefined;
const target = (): GPT => (gpt ??= loadCheckpoint(checkpointDir("target")));

describe("GPT-2 vs Llama: parameters by kind", () => {
  it("GPT-2 target by hand: D = 128, 4 blocks, V = 1024, 128 positions", () => {
    const p = paramsByKind(target().config);
    expect(p.embeddings).toBe(1024 * 128 + 128 * 128); // 131,072 + 16,384 = 147,456
    expect(p.attention).toBe(4 * (128 * 384 + 384 + 128 * 128 + 128)); // 4 · 66,048 = 264,192
    expect(p.mlp).toBe(4 * (128 * 512 + 512 + 512 * 128 + 128)); // 4 · 131,712 = 526,848
    expect(p.norms).toBe(4 * 512 + 256); // 2,304
    expect(p.total).toBe(940_800); // = training.json's "parameters"
  });

  it("Llama specimen by hand: D = 128, 4 blocks, H = 8, H_kv = 2, d = 16, I = 384, tied head", () => {
    const p = paramsByKind(llamaSpecimen().config);
    expect(p.embeddings).toBe(1024 * 128); // 131,072: no position table
    expect(p.attention).toBe(4 * (128 * 128 + 2 * 128 * 32 + 128 * 128)); // 4 · 40,960 = 163,840
    expect(p.mlp).toBe(4 * 3 * 128 * 384); // 589,824
    expect(p.norms).toBe(4 * 256 + 128); // 1,152
    expect(p.total).toBe(885_888);
  });

  it("the formulas match the loaded tensors' sizes and the package's own totals", () => {
    const g = target();
    const l = llamaSpecimen();
    expect(countedParamsByKind(g)).toEqual(paramsByKind(g.config));
    expect(countedParamsByKind(l)).toEqual(paramsByKind(l.config));
    expect(paramsByKind(g.config).total).toBe(countParams(g.config));
    expect(paramsByKind(l.config).total).toBe(llamaParamTotal(l.config));
    // and the flat buffers hold exactly that many floats
    expect(g.params.flat.length).toBe(paramsByKind(g.config).total);
    expect(l.params.flat.length).toBe(paramsByKind(l.config).total);
  });
});

describe("GPT-2 vs Llama: KV cache bytes per token", () => {
  it("by hand: 2 · layers · H_kv · d · 4 bytes", () => {
    // GPT-2: H_kv = n_head = 4, d = 128/4 = 32: 2·4·4·32·4 = 4,096 bytes
    expect(kvBytesPerToken(target().config)).toBe(4096);
    // Llama: H_kv = 2, d = 16: 2·4·2·16·4 = 1,024 bytes, a quarter
    expect(kvBytesPerToken(llamaSpecimen().config)).toBe(1024);
  });

  it("matches the real KVCache allocation (KVCache.for), per position of capacity", () => {
    for (const c of [target().config, llamaSpecimen().config]) {
      const cache = KVCache.for(c);
      let bytes = 0;
      for (let l = 0; l < cache.layers; l++) bytes += cache.keys[l].byteLength + cache.values[l].byteLength;
      expect(bytes / cache.capacity, c.model_type).toBe(kvBytesPerToken(c));
    }
  });
});

describe("GPT-2 vs Llama: training tokens", () => {
  it("training.json: tokens = steps · batch · seqLen · accum, the same for both", () => {
    // scripts/train.ts: target 600 steps × 4 × 128 × 2 accum; llama 600 × 1 × 512 × 2
    // = 614,400 tokens each (the same text budget, in windows of 128 vs 512)
    for (const name of ["target", "llama"]) {
      const r = trainingRun(checkpointDir(name));
      expect(r.tokens, name).toBe(r.steps * r.batchSize * r.seqLen * r.accum);
      expect(r.tokens, name).toBe(614_400);
    }
    expect(trainingRun(checkpointDir("target")).seqLen).toBe(128);
    expect(trainingRun(checkpointDir("llama")).seqLen).toBe(512);
  });
});
