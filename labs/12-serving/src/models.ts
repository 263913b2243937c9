// The models the server serves, from the checkpoints the course has committed:
//
//   llama    lab 07's Llama, 512-token context, a base model (no chat template)
//   target   the GPT-2 specimen every lab studies, 128-token context
//   qa       target with lab 05's Q&A LoRA adapter: same engine, same batch, its own weights
//            only for the adapter's A and B (vLLM serves LoRA modules the same way, and lists
//            each one as a model of its own whose parent is the base)
//   chat     lab 11's SFT model, whose tokenizer_config.json carries a chat template
//
// One Engine per base model: "qa" shares target's, so a batch can mix both.

import { readFileSync } from "node:fs";
import { UserError } from "@llm-labs/kit";
import { SFT_DIR } from "@llm-labs/lab-alignment";
import { ADAPTER_FILE, adapterFromSafetensors, type Adapter } from "@llm-labs/lab-lora";
import {
  checkpointDir,
  loadCheckpoint,
  loadSpecimen,
  loadTransformersTokenizer,
  END_OF_TEXT,
  type AnySpecimen,
} from "@llm-labs/model";
import { Engine, type EngineOptions } from "./engine.ts";
import type { ChatMessage } from "./protocol.ts";

export const MODEL_IDS = ["llama", "target", "qa", "chat"] as const;

// What the server needs of a tokenizer (transformers.js's, read from the checkpoint folder).
export interface Tokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string; // special tokens (end-of-text) left out, as vLLM does
  eosId: number;
  // the conversation as the one string the model reads, ending where the assistant's turn
  // starts; undefined when the checkpoint has no chat template
  applyChatTemplate?: (messages: ChatMessage[]) => string;
}

export interface ServedModel {
  id: string; // what a request's "model" field names
  engine: Engine;
  model: AnySpecimen; // the base weights the engine runs
  adapter?: string; // the engine's LoRA adapter this id runs with
  parent?: string; // the base model's id, for an adapter
  tokenizer: Tokenizer;
  chatTemplate: boolean;
  contextLength: number;
  vocabSize: number;
}

export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const tok = await loadTransformersTokenizer(dir);
  const eosId = (tok.encode(END_OF_TEXT, { add_special_tokens: false }) as number[])[0];
  const template = tok.chat_template !== null && tok.chat_template !== undefined;
  return {
    // the chat template writes <|endoftext|> as text; encode() turns it into the special token
    encode: (text) => tok.encode(text, { add_special_tokens: false }) as number[],
    decode: (ids) => tok.decode([...ids], { skip_special_tokens: true }),
    eosId,
    applyChatTemplate: template
      ? (messages) =>
          tok.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true }) as string
      : undefined,
  };
}

// The served models named in `which` (default: all), each base loaded once. Loading is
// fast, but a test that needs only the Llama should not pay for the others.
export async function loadServedModels(
  options: Partial<EngineOptions> = {},
  which: readonly string[] = MODEL_IDS,
): Promise<ServedModel[]> {
  for (const id of which)
    if (!(MODEL_IDS as readonly string[]).includes(id))
      throw new UserError(`no model ${JSON.stringify(id)} to serve; choose from ${MODEL_IDS.join(", ")}`);
  const served: ServedModel[] = [];
  const add = (id: string, engine: Engine, tokenizer: Tokenizer, extra: Partial<ServedModel> = {}) =>
    served.push({
      id,
      engine,
      model: engine.model,
      tokenizer,
      chatTemplate: tokenizer.applyChatTemplate !== undefined,
      contextLength: engine.contextLength,
      vocabSize: engine.model.config.vocab_size,
      ...extra,
    });
  // Tokenizers one after another: loadTransformersTokenizer points transformers.js's global
  // model path at the folder, so two loads at once could read each other's files.
  if (which.includes("llama")) {
    const dir = checkpointDir("llama");
    add("llama", new Engine(loadSpecimen(dir), options), await loadTokenizer(dir));
  }
  if (which.includes("target") || which.includes("qa")) {
    const dir = checkpointDir("target");
    const model = loadCheckpoint(dir);
    const adapters: Record<string, Adapter> = {};
    if (which.includes("qa")) adapters.qa = adapterFromSafetensors(model, readFileSync(ADAPTER_FILE)).adapter;
    const engine = new Engine(model, { ...options, adapters });
    const tokenizer = await loadTokenizer(dir);
    if (which.includes("target")) add("target", engine, tokenizer);
    if (which.includes("qa")) add("qa", engine, tokenizer, { adapter: "qa", parent: "target" });
  }
  if (which.includes("chat"))
    add("chat", new Engine(loadCheckpoint(SFT_DIR), options), await loadTokenizer(SFT_DIR));
  return served;
}
