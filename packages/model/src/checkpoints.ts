// A checkpoint is a folder in the Hugging Face layout, so the same files load in
// our TypeScript forward pass, in onnxruntime-node and in transformers.js:
//
//   config.json              GPT-2 config (config.ts)
//   generation_config.json   bos/eos ids and greedy defaults, read by generate()
//   tokenizer.json           byte-level BPE, trained by lab 01's code
//   tokenizer_config.json
//   model.safetensors        the weights, Hugging Face GPT-2 names (params.ts)
//   onnx/model.onnx          the exported graph (onnx-export.ts)

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsUserError, UserError } from "@llm-labs/errors";
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
// F32, with the right shape; anything else is a UserError that names it. The
// file is checked against the config before the weights are allocated.
export function modelFromSafetensors(config: GPTConfig, bytes: Uint8Array, where = "model.safetensors"): GPT {
  const file = readSafetensors(bytes, where);
  const shapes = paramShapes(config);
  const expected = new Set(shapes.map(([name]) => name));
  // A different number of blocks is the common mistake (config.json from another
  // checkpoint): say so along with the first tensor that differs.
  let fileLayers = 0; // 1 + the largest block index (a loop: a header may name 10^6 tensors)
  for (const name of file.tensors.keys()) {
    const m = /^transformer\.h\.(\d+)\./.exec(name);
    if (m) fileLayers = Math.max(fileLayers, Number(m[1]) + 1);
  }
  const blocks =
    fileLayers === config.n_layer
      ? ""
      : `: the file holds ${fileLayers} transformer block${fileLayers === 1 ? "" : "s"} but config.json says n_layer ${config.n_layer}, so the two files come from different checkpoints`;
  for (const name of file.tensors.keys()) {
    if (!expected.has(name))
      throw new UserError(
        `${where}: unexpected tensor ${JSON.stringify(name)} for a ${config.n_layer}-layer GPT-2${blocks || " (expected the names of params.ts, e.g. transformer.h.0.attn.c_attn.weight)"}`,
      );
  }
  for (const [name, shape] of shapes) {
    const t = file.tensors.get(name);
    if (!t)
      throw new UserError(
        `${where}: missing tensor ${JSON.stringify(name)} (shape [${shape.join(", ")}])${blocks}`,
      );
    if (t.shape.join(",") !== shape.join(",")) {
      throw new UserError(
        `${where}: tensor ${JSON.stringify(name)} has shape [${t.shape.join(", ")}], the config needs [${shape.join(", ")}]`,
      );
    }
    if (t.dtype !== "F32")
      throw new UserError(
        `${where}: tensor ${JSON.stringify(name)} is ${t.dtype}; this course reads F32 weights only`,
      );
  }
  const flat = new Float32Array(countParams(config));
  const byName = viewParams(config, flat).byName;
  for (const [name] of shapes) {
    const t = file.tensors.get(name);
    const view = byName.get(name);
    if (t && view) view.set(asFloat32(t, name));
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

// The largest header a weights file may add to its tensors (the reference
// implementation's own header limit).
const MAX_HEADER_BYTES = 100_000_000;

function readChecked(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fsUserError(e, { path, doing: "read" }) ?? e;
  }
}

// --model on the command line: a committed checkpoint's name ("draft"), or the
// path of a checkpoint folder of one's own ("./my-model", "/tmp/ckpt").
export function checkpointFromFlag(value: string): string {
  if (value.includes("/") || value.includes("\\") || value.startsWith(".")) {
    if (!existsSync(value)) throw new UserError(`--model ${value}: no such folder`);
    return value;
  }
  return namedCheckpoint(value);
}

// A checkpoint folder's config.json, parsed as JSON, and its weights' path; every
// mistake (no folder, a file, a missing or oversized or non-JSON config) is one line.
export function readCheckpointFolder(
  dir: string,
  example = "packages/model/checkpoints/target/config.json",
  kind = "GPT-2",
): { json: unknown; configPath: string; weightsPath: string } {
  const configPath = join(dir, "config.json");
  const weightsPath = join(dir, "model.safetensors");
  if (!existsSync(dir)) throw new UserError(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir} is a file; a checkpoint is a folder`);
  for (const f of [configPath, weightsPath])
    if (!existsSync(f)) throw new UserError(`${dir} is not a checkpoint: ${basename(f)} is missing`);
  const configSize = statSync(configPath).size;
  if (configSize > 1_000_000)
    throw new UserError(`${configPath} is ${configSize} bytes; a config.json is a few hundred`);
  const configBytes = readChecked(configPath);
  try {
    return {
      json: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(configBytes)),
      configPath,
      weightsPath,
    };
  } catch (e) {
    throw new UserError(
      `${configPath} is not valid JSON (${e instanceof SyntaxError ? e.message.replace(/\s*[\r\n]+\s*/g, " ") : "not UTF-8 text"}); it should hold a ${kind} config like ${example}`,
    );
  }
}

// The weights file's bytes, refused unread when it is far bigger than `params` float32
// weights (another model, or not weights at all). A smaller one is read, so that the
// message can say which tensors differ.
export function readWeightsChecked(weightsPath: string, params: number): Buffer {
  const size = statSync(weightsPath).size;
  const weights = 4 * params;
  if (size > 8 + weights + MAX_HEADER_BYTES)
    throw new UserError(
      `${weightsPath} is ${size.toLocaleString("en-US")} bytes, but the config's ${params.toLocaleString("en-US")} float32 parameters need ${weights.toLocaleString("en-US")} bytes plus a header; config.json is for a smaller model than these weights`,
    );
  return readChecked(weightsPath);
}

export function loadCheckpoint(dir: string): GPT {
  const { json, configPath, weightsPath } = readCheckpointFolder(dir);
  const config = parseConfig(json, configPath);
  return modelFromSafetensors(config, readWeightsChecked(weightsPath, countParams(config)), weightsPath);
}
