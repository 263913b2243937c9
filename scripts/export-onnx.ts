// `npx tsx scripts/export-onnx.ts [name…]` (default: target draft llama)
//
// Writes checkpoints/<name>/onnx/model.onnx from model.safetensors, then checks
// the export: the logits of a real prompt from our TypeScript forward, from ONNX
// Runtime and from transformers.js (loading the folder) must agree to 1e-4.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkpointDir,
  forwardPass,
  loadSpecimen,
  loadTransformersModel,
  loadTransformersTokenizer,
  OrtGPT,
  saveLlamaOnnx,
  saveOnnx,
  specimenSize,
  transformersLogits,
} from "@llm-labs/model";

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export async function exportCheckpoint(name: string): Promise<void> {
  const dir = checkpointDir(name);
  const model = loadSpecimen(dir);
  const path =
    model.config.model_type === "llama" ? saveLlamaOnnx(dir, model as never) : saveOnnx(dir, model as never);
  // the tokenizer's model_max_length is the model's context (128 for the GPT-2s, 512 for the Llama)
  const tc = join(dir, "tokenizer_config.json");
  const tokConfig = JSON.parse(readFileSync(tc, "utf8")) as Record<string, unknown>;
  tokConfig.model_max_length = specimenSize(model).context;
  writeFileSync(tc, JSON.stringify(tokConfig, null, 2) + "\n");
  const tok = await loadTransformersTokenizer(dir);
  const prompt: number[] = tok.encode(
    "Once upon a time, there was a brave panda named Lily. 从前，有一只勇敢的熊猫",
    { add_special_tokens: false },
  );
  const ts = forwardPass(model, prompt, 1, prompt.length);
  const ort = await OrtGPT.load(model.config, path);
  const viaOrt = (await ort.step(prompt, 1, ort.emptyCache(1))).logits;
  await ort.release();
  const tf = await loadTransformersModel(dir);
  const viaTf = await transformersLogits(tf, prompt);
  await tf.dispose();
  const dOrt = maxAbsDiff(ts, viaOrt);
  const dTf = maxAbsDiff(ts, viaTf);
  console.log(
    `${name}: wrote ${join("checkpoints", name, "onnx", "model.onnx")}; ${prompt.length}-token prompt, max |logits diff|: TS vs ORT ${dOrt.toExponential(2)}, TS vs transformers.js ${dTf.toExponential(2)}`,
  );
  if (!(dOrt < 1e-4 && dTf < 1e-4)) throw new Error(`${name}: the runtimes disagree by more than 1e-4`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2);
  for (const name of names.length ? names : ["target", "draft", "llama"]) await exportCheckpoint(name);
}
