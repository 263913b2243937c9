// Any checkpoint folder of the course: a GPT-2 or a Llama, told apart by config.json's
// model_type, as transformers' AutoModelForCausalLM tells them apart.

import { UserError } from "@llm-labs/errors";
import { loadCheckpoint, readCheckpointFolder } from "./checkpoints.ts";
import type { GPT } from "./gpt.ts";
import { loadLlamaCheckpoint } from "./llama-checkpoint.ts";
import { llamaParamTotal, type Llama } from "./llama-params.ts";
import { countParams } from "./params.ts";

export function loadSpecimen(dir: string): GPT | Llama {
  const { json, configPath } = readCheckpointFolder(dir);
  const type =
    typeof json === "object" && json !== null ? (json as { model_type?: unknown }).model_type : undefined;
  if (type === "llama") return loadLlamaCheckpoint(dir);
  if (type === "gpt2") return loadCheckpoint(dir);
  throw new UserError(
    `${configPath}: model_type is ${JSON.stringify(type ?? null)}; this course reads "gpt2" and "llama" checkpoints`,
  );
}

// A line a learner can read: "4 layers, 885,888 parameters".
export function specimenSize(model: GPT | Llama): { layers: number; parameters: number; context: number } {
  const c = model.config;
  return c.model_type === "llama"
    ? { layers: c.num_hidden_layers, parameters: llamaParamTotal(c), context: c.max_position_embeddings }
    : { layers: c.n_layer, parameters: countParams(c), context: c.n_positions };
}
