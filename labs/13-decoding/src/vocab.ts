// A vocabulary as the automaton sees it: every token id and its bytes.
//
// A byte-level BPE token string (Ġthe, Ã©) maps back to bytes through GPT-2's
// byte-to-character table, which lab 01 builds (`tokenStringToBytes`). The stop
// tokens (<|endoftext|>, Qwen3's <|im_end|>) are not text: they get no bytes and
// are allowed exactly where the output may end. Every other token is its text,
// special or not: XGrammar, given a vocabulary, reads <|im_start|> as the twelve
// bytes `<|im_start|>` (measured: test/qwen3.test.ts), and so do we, so that
// the masks are equal. A server that never wants such a token masks it itself.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "@llm-labs/kit";
import { readLenmlJson, tokenStringToBytes } from "@llm-labs/lab-tokenizers";
import { checkpointDir } from "@llm-labs/model";
import { z } from "zod";

export interface Vocab {
  name: string;
  size: number; // the logits' length
  strings: string[]; // [size] the tokenizer.json strings (what XGrammar is given)
  bytes: (Uint8Array | null)[]; // [size] the token's bytes; null for the stop tokens
  stop: number[]; // stop tokens: allowed where the output may end
}

const TokenizerJson = z.object({
  model: z.object({ vocab: z.record(z.string(), z.number().int().nonnegative()) }),
  added_tokens: z.array(z.object({ id: z.number().int().nonnegative(), content: z.string() })).default([]),
});

export function vocabFromTokenizerJson(json: unknown, name: string, stopStrings: string[]): Vocab {
  const parsed = TokenizerJson.safeParse(json);
  if (!parsed.success)
    throw new UserError(`${name}: not a byte-level BPE tokenizer.json (${parsed.error.issues[0]?.message})`);
  const { model, added_tokens } = parsed.data;
  const strings: string[] = [];
  for (const [s, id] of Object.entries(model.vocab)) strings[id] = s;
  for (const a of added_tokens) strings[a.id] = a.content;
  const size = strings.length;
  for (let i = 0; i < size; i++) if (strings[i] === undefined) strings[i] = `<|unused_${i}|>`;
  const stop = stopStrings.map((s) => {
    const id = strings.indexOf(s);
    if (id < 0) throw new UserError(`${name}: no stop token ${s} in the vocabulary`);
    return id;
  });
  const bytes = strings.map((s, id) => (stop.includes(id) ? null : tokenStringToBytes(s)));
  return { name, size, strings, bytes, stop };
}

// The course specimen's 1,024-token vocabulary (lab 01's BPE, trained on the course corpus).
export function specimenVocab(): Vocab {
  const json = JSON.parse(readFileSync(join(checkpointDir("target"), "tokenizer.json"), "utf8"));
  return vocabFromTokenizerJson(json, "specimen", ["<|endoftext|>"]);
}

// Qwen3's 151,669 tokens (151,643 byte-level BPE tokens and 26 added ones).
export function qwen3Vocab(): Vocab {
  return vocabFromTokenizerJson(readLenmlJson("qwen3").json, "Qwen3", ["<|endoftext|>", "<|im_end|>"]);
}

// The text of a run of token ids (a stop token adds nothing).
export function tokensToBytes(v: Vocab, ids: readonly number[]): Uint8Array {
  const parts = ids.map((id) => v.bytes[id] ?? new Uint8Array(0));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
