// Supervised fine-tuning on chats: the base model learns the template and the task from
// example conversations, with the loss on the assistant's tokens only.
//
//   L_SFT = −(1/|A|) Σ_{t ∈ A} log π(y_t | y_<t)        A = the assistant's tokens (and its end-of-text)
//
// The user's words are given at inference, never generated, so learning to predict them
// spends capacity on the wrong thing (and, with a fixed request like ours, teaches the model
// to recite the template). README §2 compares the two losses on the same batch.
//
// The result is saved as a checkpoint folder in Hugging Face's layout with the chat template
// in its tokenizer_config.json: data/sft/, the start of every later stage and their reference.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AdamW,
  checkpointDir,
  clipGradNorm,
  crossEntropyBackward,
  decayMask,
  forward,
  learningRate,
  lossAndGrads,
  saveCheckpoint,
  zeroGrads,
  type GPT,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { CHAT_TEMPLATE, tokenizeChat, type Encode } from "./chat.ts";
import { packBatch, unmaskedTargets, type SeqBatch } from "./sequences.ts";
import type { Message } from "./task.ts";

export interface SftConfig {
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  seed: number;
}

// Conversations as prompt/completion rows: the completion is the assistant's turn.
export function chatRows(convs: readonly { messages: Message[] }[], encode: Encode, eosId: number) {
  return convs.map((c) => {
    const { ids, promptLength } = tokenizeChat(c.messages, encode, eosId);
    return { prompt: ids.slice(0, promptLength), completion: ids.slice(promptLength) };
  });
}

// The masked and the unmasked loss of one batch, for the comparison.
export function sftLosses(model: GPT, batch: SeqBatch): { masked: number; unmasked: number } {
  const V = model.config.vocab_size;
  const N = batch.B * batch.T;
  const logits = forward(model, batch.ids, batch.B, batch.T).logits;
  const masked = crossEntropyBackward(Float64Array.from(logits), batch.targets, N, V);
  const unmasked = crossEntropyBackward(Float64Array.from(logits), unmaskedTargets(batch), N, V);
  return { masked, unmasked };
}

// Trains `model` in place on the rows (AdamW, warmup and cosine, clipping at 1); returns the
// loss of every step. The batch's targets are already masked, so this is lossAndGrads.
export function trainSft(
  model: GPT,
  rows: readonly { prompt: number[]; completion: number[] }[],
  cfg: SftConfig,
  padId: number,
  onStep?: (step: number, loss: number) => void,
): number[] {
  const rng = new Rng(cfg.seed);
  const grads = zeroGrads(model);
  const opt = new AdamW(model.params.flat.length, decayMask(model), { weightDecay: 0.01 });
  const losses: number[] = [];
  for (let step = 0; step < cfg.steps; step++) {
    const batch = packBatch(
      Array.from({ length: cfg.batchSize }, () => rows[rng.int(rows.length)]),
      padId,
    );
    grads.flat.fill(0);
    const { loss } = lossAndGrads(model, batch.ids, batch.targets, batch.B, batch.T, grads);
    clipGradNorm(grads.flat, 1);
    const lr = learningRate(step, {
      maxLr: cfg.lr,
      minLr: cfg.lr / 10,
      warmup: cfg.warmup,
      total: cfg.steps,
    });
    opt.step(model.params.flat, grads.flat, lr);
    losses.push(loss);
    onStep?.(step, loss);
  }
  return losses;
}

// data/sft/: the SFT model as a checkpoint folder, the chat template in its tokenizer_config.json.
export const SFT_DIR = fileURLToPath(new URL("../data/sft", import.meta.url));
export function saveSftCheckpoint(dir: string, model: GPT, meta: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  saveCheckpoint(dir, model, meta);
  const tokDir = checkpointDir("target");
  copyFileSync(join(tokDir, "tokenizer.json"), join(dir, "tokenizer.json"));
  const config = JSON.parse(readFileSync(join(tokDir, "tokenizer_config.json"), "utf8"));
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    `${JSON.stringify({ ...config, chat_template: CHAT_TEMPLATE }, null, 2)}\n`,
  );
}
