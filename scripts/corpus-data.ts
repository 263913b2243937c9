// Where the corpus, the tokenizer and the tokenized splits live, and how they are made.
//
// The corpus text is generated (packages/model/src/corpus.ts), never stored; its
// token ids are cached in packages/model/.cache/ (git-ignored) because encoding
// a few MB takes a while. The tokenizer is lab 01's, loaded from tokenizer.json.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tokenizerFromHfJson } from "@llm-labs/lab-tokenizers";
import { REPO_ROOT } from "@llm-labs/kit";
import { END_OF_TEXT, generateCorpus, HELDOUT_SEED, TRAIN_SEED } from "@llm-labs/model";

export const MODEL_DIR = join(REPO_ROOT, "packages/model");
export const CHECKPOINTS = join(MODEL_DIR, "checkpoints");
export const TOKENIZER_DIR = join(CHECKPOINTS, "tokenizer");
export const CACHE = join(MODEL_DIR, ".cache");

export const VOCAB_SIZE = 1024; // 256 bytes + 767 merges + <|endoftext|>
export const TOKENIZER_TRAIN_CHARS = 1_000_000;
export const TRAIN_CHARS = 4_000_000; // ≈ 6 MB of UTF-8
export const HELDOUT_CHARS = 200_000;

export function tokenizerConfig(): Record<string, unknown> {
  // What transformers.js's AutoTokenizer reads besides tokenizer.json.
  return {
    tokenizer_class: "GPT2Tokenizer",
    bos_token: END_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    add_bos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: 128,
  };
}

// Token ids of a split, from the cache or freshly encoded with lab 01's tokenizer.
export function splitTokens(split: "train" | "heldout"): Uint16Array {
  const file = join(CACHE, `${split}-v${VOCAB_SIZE}.u16`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    return new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2).slice();
  }
  const tokJson = JSON.parse(readFileSync(join(TOKENIZER_DIR, "tokenizer.json"), "utf8"));
  const tok = tokenizerFromHfJson(tokJson);
  const text =
    split === "train" ? generateCorpus(TRAIN_SEED, TRAIN_CHARS) : generateCorpus(HELDOUT_SEED, HELDOUT_CHARS);
  const t0 = performance.now();
  const ids = Uint16Array.from(tok.encode(text, { special: "allow" }));
  console.log(
    `encoded the ${split} split: ${text.length.toLocaleString()} chars → ${ids.length.toLocaleString()} tokens (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, Buffer.from(ids.buffer));
  return ids;
}
