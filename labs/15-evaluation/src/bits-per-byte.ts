// Bits per byte: a loss that does not care how the text was cut into tokens.
//
// A perplexity is per token, and a token is whatever the tokenizer says: a model
// whose tokens are longer has fewer, harder predictions to make, and its per-token
// perplexity is not comparable with a model that reads bytes. The Pile (Gao et al.
// 2020, §5) reports bits per UTF-8 byte instead, the total information the model
// needs for the text divided by the text's length:
//
//   BPB = (Σ_tokens −ln p(x_p | …)) / (ln 2 · bytes)       (L_T / L_B · log₂ e, in their notation)
//
// which any two language models of the same text can be compared by. The number
// of bytes is the text's, so we need each token's length in bytes: in a byte-level
// BPE every character of a vocabulary string stands for one byte (GPT-2's
// bytes_to_unicode map), and an added token such as <|endoftext|> is its literal
// text.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkpointDir } from "@llm-labs/model";

interface TokenizerJson {
  model: { vocab: Record<string, number> };
  added_tokens: { id: number; content: string }[];
}

// bytes[id]: the UTF-8 length of token `id`'s text.
export function tokenByteLengths(json: TokenizerJson): Int32Array {
  const ids = [...Object.values(json.model.vocab), ...json.added_tokens.map((t) => t.id)];
  const bytes = new Int32Array(Math.max(...ids) + 1);
  for (const [s, id] of Object.entries(json.model.vocab)) bytes[id] = [...s].length;
  for (const t of json.added_tokens) bytes[t.id] = new TextEncoder().encode(t.content).length;
  return bytes;
}

export const specimenByteLengths = (): Int32Array =>
  tokenByteLengths(JSON.parse(readFileSync(join(checkpointDir("target"), "tokenizer.json"), "utf8")));

// Bytes of the tokens x_from … x_{N−1} (the scored ones: from 1, the first token is never predicted).
export function bytesOf(tokens: readonly number[], lengths: Int32Array, from = 1): number {
  let n = 0;
  for (let i = from; i < tokens.length; i++) n += lengths[tokens[i]];
  return n;
}

export const bitsPerByte = (nllNats: number, bytes: number): number => nllNats / (Math.LN2 * bytes);

// The byte-level baseline, a model with another "tokenizer" (one byte per token): a bigram
// over bytes with add-one smoothing, p(b | a) = (count(a, b) + 1) / (count(a) + 256). Its
// per-token perplexity is per byte, and its BPB is its loss in bits.
export function byteBigramNll(train: Uint8Array, heldout: Uint8Array): { nll: number; count: number } {
  const pair = new Float64Array(256 * 256);
  const first = new Float64Array(256);
  for (let i = 0; i + 1 < train.length; i++) {
    pair[train[i] * 256 + train[i + 1]]++;
    first[train[i]]++;
  }
  let nll = 0;
  for (let i = 1; i < heldout.length; i++) {
    const a = heldout[i - 1];
    nll -= Math.log((pair[a * 256 + heldout[i]] + 1) / (first[a] + 256));
  }
  return { nll, count: heldout.length - 1 };
}
