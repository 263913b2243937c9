// A checkpoint is a folder in the Hugging Face layout, so the same files load in
// our TypeScript forward pass, in onnxruntime-node and in transformers.js:
//
//   config.json              GPT-2 config (config.ts)
//   generation_config.json   bos/eos ids and greedy defaults, read by generate()
//   tokenizer.json           byte-level BPE, trained by lab 01's code
//   tokenizer_config.json
//   model.safetensors        the weights, Hugging Face GPT-2 names (params.ts)
//   onnx/model.onnx          the exported graph (onnx-export.ts)

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { UserError } from "@llm-labs/errors";
import { fileURLToPath } from "node:url";
import { parseConfig, type GPTConfig } from "./config.ts";
import type { GPT } from "./gpt.ts";
import { countParams, paramShapes, viewParams } from "./params.ts";
import { exportOnnx } from "./onnx-export.ts";
import { asFloat32, readSafetensors, writeSafetensors } from "./safetensors.ts";

// packages/model/checkpoints: where the committed target and draft live.
export const CHECKPOINTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "checkpoints");
export const checkpointDir = (name: string): string => join(CHECKPOINTS_DIR, name);

export function generationConfig(c: GPTConfig): Record<string, unknown> {
  return {
    bos_token_id: c.bos_token_id,
    eos_token_id: c.eos_token_id,
    do_sample: false,
    max_length: c.n_positions,
  };
}

// Weights as safetensors bytes, float32, in paramShapes order. The LM head is
// tied to transformer.wte.weight, so (as Hugging Face's save_pretrained does)
// no lm_head.weight is stored.
export function weightsToSafetensors(model: GPT, metadata: Record<string, string> = {}): Uint8Array {
  const byName = viewParams(model.config, model.params.flat).byName;
  return writeSafetensors(
    paramShapes(model.config).map(([name, shape]) => [
      name,
      { dtype: "F32", shape, data: Float32Array.from(byName.get(name)!) },
    ]),
    { format: "pt", ...metadata },
  );
}

// Weights from safetensors bytes: every tensor the config implies must be there,
// F32, with the right shape; anything else is an error that names it.
export function modelFromSafetensors(config: GPTConfig, bytes: Uint8Array, where = "model.safetensors"): GPT {
  const file = readSafetensors(bytes, where);
  const flat = new Float32Array(countParams(config));
  const byName = viewParams(config, flat).byName;
  const expected = new Set(byName.keys());
  for (const name of file.tensors.keys()) {
    if (!expected.has(name))
      throw new Error(`${where}: unexpected tensor "${name}" for a ${config.n_layer}-layer GPT-2`);
  }
  for (const [name, shape] of paramShapes(config)) {
    const t = file.tensors.get(name);
    if (!t) throw new Error(`${where}: missing tensor "${name}" (shape [${shape.join(", ")}])`);
    if (t.shape.join(",") !== shape.join(",")) {
      throw new Error(
        `${where}: tensor "${name}" has shape [${t.shape.join(", ")}], the config needs [${shape.join(", ")}]`,
      );
    }
    byName.get(name)!.set(asFloat32(t, name));
  }
  return { config, params: viewParams(config, flat).params };
}

export function saveCheckpoint(dir: string, model: GPT, metadata: Record<string, string> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(model.config, null, 2) + "\n");
  writeFileSync(
    join(dir, "generation_config.json"),
    JSON.stringify(generationConfig(model.config), null, 2) + "\n",
  );
  writeFileSync(join(dir, "model.safetensors"), weightsToSafetensors(model, metadata));
}

// onnx/model.onnx, the file name transformers.js loads for dtype "fp32".
export function saveOnnx(dir: string, model: GPT): string {
  const path = join(dir, "onnx", "model.onnx");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, exportOnnx(model));
  return path;
}

// The committed checkpoints a learner can name on the command line.
export function trainedCheckpoints(): string[] {
  return readdirSync(CHECKPOINTS_DIR)
    .filter((n) => existsSync(join(CHECKPOINTS_DIR, n, "model.safetensors")))
    .sort();
}

// "target" → its folder; anything else is a mistake worth one clear line.
export function namedCheckpoint(name: string): string {
  const known = trainedCheckpoints();
  if (!known.includes(name))
    throw new UserError(`no checkpoint named "${name}" (checkpoints: ${known.join(", ")})`);
  return checkpointDir(name);
}

export function loadCheckpoint(dir: string): GPT {
  const configPath = join(dir, "config.json");
  const weightsPath = join(dir, "model.safetensors");
  for (const f of [configPath, weightsPath])
    if (!existsSync(f)) throw new UserError(`${dir} is not a checkpoint: ${basename(f)} is missing`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (e) {
    throw new UserError(`${configPath} is not valid JSON: ${(e as Error).message}`);
  }
  const config = parseConfig(json, configPath);
  return modelFromSafetensors(config, readFileSync(weightsPath), weightsPath);
}
