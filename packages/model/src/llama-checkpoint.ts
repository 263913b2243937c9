// The Llama specimen's folder, in Hugging Face's layout for LlamaForCausalLM:
//
//   config.json              model_type "llama" (llama-config.ts)
//   generation_config.json   bos/eos ids, greedy
//   tokenizer.json, tokenizer_config.json   the course tokenizer (lab 01), as the GPT-2s use
//   model.safetensors        HF's tensor names (llama-params.ts); the linears as nn.Linear stores
//                            them, [out, in]: the transpose of the course's [in, out]
//   onnx/model.onnx          llama-onnx.ts
//
// transformers' LlamaForCausalLM.from_pretrained reads this folder as it is; transformers.js
// reads config.json and onnx/model.onnx.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "@llm-labs/errors";
import { readCheckpointFolder, readWeightsChecked } from "./checkpoints.ts";
import { type LlamaConfig, parseLlamaConfig } from "./llama-config.ts";
import { type Llama, llamaParamShapes, llamaParamTotal, viewLlamaParams } from "./llama-params.ts";
import type { Floats } from "./params.ts";
import { asFloat32, readSafetensors, writeSafetensors } from "./safetensors.ts";

// The block linears are stored transposed; embeddings, norms and lm_head ([V, D] both ways) are not.
const isLinear = (name: string) => name.startsWith("model.layers.") && name.endsWith("_proj.weight");

// [rows, cols] → [cols, rows]
function transpose(x: Floats, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  return out;
}

// The file's shape of a tensor the course holds as `shape`.
const fileShape = (name: string, shape: number[]) => (isLinear(name) ? [shape[1], shape[0]] : shape);

export function llamaToSafetensors(model: Llama, metadata: Record<string, string> = {}): Uint8Array {
  const byName = viewLlamaParams(model.config, model.params.flat).byName;
  return writeSafetensors(
    llamaParamShapes(model.config).map(([name, shape]) => {
      const t = byName.get(name) as Floats;
      const data = isLinear(name) ? transpose(t, shape[0], shape[1]) : Float32Array.from(t);
      return [name, { dtype: "F32", shape: fileShape(name, shape), data }];
    }),
    { format: "pt", ...metadata },
  );
}

// Every tensor the config implies must be in the file, F32, in HF's shape; anything else is
// one line that names it (and says which side is likely wrong).
export function llamaFromSafetensors(
  config: LlamaConfig,
  bytes: Uint8Array,
  where = "model.safetensors",
): Llama {
  const file = readSafetensors(bytes, where);
  const shapes = llamaParamShapes(config);
  const expected = new Set(shapes.map(([n]) => n));
  for (const name of file.tensors.keys())
    if (!expected.has(name)) {
      const hint =
        name === "lm_head.weight" && config.tie_word_embeddings
          ? " (config.json says tie_word_embeddings: true, so the head is embed_tokens and the file should not hold one)"
          : " for this config (names are Hugging Face's, e.g. model.layers.0.self_attn.q_proj.weight)";
      throw new UserError(`${where}: unexpected tensor ${JSON.stringify(name)}${hint}`);
    }
  const flat = new Float32Array(llamaParamTotal(config));
  const byName = viewLlamaParams(config, flat).byName;
  for (const [name, shape] of shapes) {
    const want = fileShape(name, shape);
    const t = file.tensors.get(name);
    if (!t)
      throw new UserError(`${where}: missing tensor ${JSON.stringify(name)} (shape [${want.join(", ")}])`);
    if (t.shape.join(",") !== want.join(","))
      throw new UserError(
        `${where}: tensor ${JSON.stringify(name)} has shape [${t.shape.join(", ")}], config.json needs [${want.join(", ")}]`,
      );
    if (t.dtype !== "F32")
      throw new UserError(
        `${where}: tensor ${JSON.stringify(name)} is ${t.dtype}; this course reads F32 weights only`,
      );
    const data = asFloat32(t, name);
    (byName.get(name) as Floats).set(isLinear(name) ? transpose(data, want[0], want[1]) : data);
  }
  return { config, params: viewLlamaParams(config, flat).params };
}

export function llamaGenerationConfig(c: LlamaConfig): Record<string, unknown> {
  return {
    bos_token_id: c.bos_token_id,
    eos_token_id: c.eos_token_id,
    do_sample: false,
    max_length: c.max_position_embeddings,
  };
}

export function saveLlamaCheckpoint(dir: string, model: Llama, metadata: Record<string, string> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(model.config, null, 2) + "\n");
  writeFileSync(
    join(dir, "generation_config.json"),
    JSON.stringify(llamaGenerationConfig(model.config), null, 2) + "\n",
  );
  writeFileSync(join(dir, "model.safetensors"), llamaToSafetensors(model, metadata));
}

export function loadLlamaCheckpoint(dir: string): Llama {
  const { json, configPath, weightsPath } = readCheckpointFolder(
    dir,
    "packages/model/checkpoints/llama/config.json",
    "Llama",
  );
  const config = parseLlamaConfig(json, configPath);
  return llamaFromSafetensors(config, readWeightsChecked(weightsPath, llamaParamTotal(config)), weightsPath);
}
