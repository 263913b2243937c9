// The Llama specimen in three runtimes: our TypeScript forward (forward.ts's llama branch),
// ONNX Runtime running llama-onnx.ts's graph, and transformers.js loading the folder as
// model_type "llama". First a seeded random model with grouped-query attention and random
// γ (so no path hides behind γ = 1), then the committed specimen.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxAbsDiff, Rng } from "@llm-labs/tensor";
import { checkpointDir } from "../src/checkpoints.ts";
import { forwardPass } from "../src/forward.ts";
import { generate } from "../src/generate.ts";
import { loadLlamaCheckpoint, saveLlamaCheckpoint } from "../src/llama-checkpoint.ts";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { saveLlamaOnnx } from "../src/llama-onnx.ts";
import { createLlama, type Llama } from "../src/llama-params.ts";
import { OrtGPT } from "../src/ort-runner.ts";
import { loadTransformersModel, transformersGreedy, transformersLogits } from "../src/transformers-runner.ts";

// 1e-4, the tolerance: float32 sums in another order move these O(1) logits by
// ~1e-6; a wrong rotation, pair layout or KV group moves them by 1e-2 or more.
const TOL = 1e-4;
const TOKENIZER = join(checkpointDir("tokenizer"));

function randomLlama(): Llama {
  const config = parseLlamaConfig({
    model_type: "llama",
    vocab_size: 1024, // the course tokenizer's, so transformers.js can load its tokenizer files
    hidden_size: 32,
    intermediate_size: 48,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 96,
    rms_norm_eps: 1e-5,
    rope_theta: 500, // a small base, so every pair of features turns visibly within 70 positions
    eos_token_id: 1023,
    bos_token_id: 1023,
  });
  const m = createLlama(config, 5);
  const r = new Rng(6);
  for (let i = 0; i < m.params.flat.length; i++) m.params.flat[i] = r.normal(0, 0.15);
  for (const l of m.params.layers) for (let i = 0; i < 32; i++) l.input_layernorm[i] = 1 + r.normal(0, 0.3);
  return m;
}

const cases: [string, () => { model: Llama; dir: string; temp: boolean }][] = [
  [
    "a random Llama (4 query heads, 2 KV heads, untied head)",
    () => {
      const dir = join(mkdtempSync(join(tmpdir(), "llm-labs-llama-")), "tiny-llama");
      const model = randomLlama();
      saveLlamaCheckpoint(dir, model);
      saveLlamaOnnx(dir, model);
      for (const f of ["tokenizer.json", "tokenizer_config.json"])
        copyFileSync(join(TOKENIZER, f), join(dir, f));
      return { model, dir, temp: true };
    },
  ],
  [
    "the committed Llama specimen",
    () => ({ model: loadLlamaCheckpoint(checkpointDir("llama")), dir: checkpointDir("llama"), temp: false }),
  ],
];

for (const [name, make] of cases) {
  describe(`TypeScript, ONNX Runtime and transformers.js agree on ${name}`, () => {
    let model: Llama;
    let dir: string;
    let temp = false;
    let ort: OrtGPT;
    const rng = new Rng(8);
    const prompt = Array.from({ length: 70 }, () => rng.int(1000));
    beforeAll(async () => {
      ({ model, dir, temp } = make());
      expect(existsSync(join(dir, "onnx", "model.onnx"))).toBe(true);
      ort = await OrtGPT.load(model.config, join(dir, "onnx", "model.onnx"));
    });
    afterAll(async () => {
      await ort?.release();
      if (temp) rmSync(join(dir, ".."), { recursive: true, force: true });
    });

    it("logits of a 70-token prompt, TS vs ORT vs transformers.js, within 1e-4", async () => {
      const ts = forwardPass(model, prompt, 1, prompt.length);
      const viaOrt = (await ort.step(prompt, 1, ort.emptyCache(1))).logits;
      const tf = await loadTransformersModel(dir);
      const viaTf = await transformersLogits(tf, prompt);
      await tf.dispose();
      expect(viaOrt.length).toBe(ts.length);
      expect(maxAbsDiff(ts, viaOrt)).toBeLessThan(TOL);
      expect(maxAbsDiff(ts, viaTf)).toBeLessThan(TOL);
    });

    it("a prefill then cached steps in ORT give the TS logits (the cache holds rotated keys)", async () => {
      const V = model.config.vocab_size;
      const full = forwardPass(model, prompt, 1, prompt.length);
      let { cache } = await ort.step(prompt.slice(0, 60), 1, ort.emptyCache(1));
      expect(cache["past_key_values.0.key"].dims).toEqual([
        1,
        model.config.num_key_value_heads,
        60,
        model.config.head_dim,
      ]);
      for (let t = 60; t < 70; t++) {
        const r = await ort.step([prompt[t]], 1, cache);
        expect(maxAbsDiff(r.logits, full.subarray(t * V, (t + 1) * V))).toBeLessThan(TOL);
        cache = r.cache;
      }
    });

    it("greedy 64 tokens are identical in TS (cached), ORT and transformers.js's generate()", async () => {
      const p = prompt.slice(0, 20);
      const ts = generate(model, p, { maxNewTokens: 64, stopAtEos: false });
      const viaOrt = await ort.generateGreedy(p, 64, false);
      const tf = await loadTransformersModel(dir);
      const viaTf = await transformersGreedy(tf, p, 64);
      await tf.dispose();
      expect(ts).toHaveLength(64);
      expect(viaOrt).toEqual(ts);
      // transformers.js stops after eos (generation_config.json); up to there it must match
      const eos = ts.indexOf(1023);
      expect(viaTf).toEqual(eos < 0 ? ts : ts.slice(0, eos + 1));
    });
  });
}
