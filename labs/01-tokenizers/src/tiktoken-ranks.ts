// Loading OpenAI's tiktoken vocabularies (GPT-2, GPT-4o's o200k_base, ...).
//
// A tiktoken file has no merge list. It is just "base64(token bytes) rank",
// one line per token, and the rank is both the token id and its priority.
// The rule tiktoken's encoder follows (openai/tiktoken, src/lib.rs,
// byte_pair_merge): two adjacent parts may merge if their concatenated bytes
// are a token, and the lowest-ranked such concatenation merges first.
//
// That is a merge table in disguise: (x, y) -> x+y, with rank(x+y), for every
// way of cutting a token's bytes into two parts that are both tokens. We
// build exactly that table, and the same applyMerges runs both worlds.

import { Buffer } from "node:buffer";
import { pairKey } from "./pairs.ts";
import { regexPreTokenizer } from "./pretokenize.ts";
import { Tokenizer, type Merge } from "./tokenizer.ts";

/** Parse the ".tiktoken" file format: lines "base64 rank". */
export function parseTiktokenFile(text: string): Map<string, number> {
  const ranks = new Map<string, number>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const [token, rank] = line.trim().split(" ");
    const r = Number(rank);
    if (token === undefined || !Number.isInteger(r) || r < 0)
      throw new Error(
        `tiktoken file line ${i + 1}: expected "<base64> <rank>", got ${JSON.stringify(line.slice(0, 60))}`,
      );
    ranks.set(token, r);
  });
  return ranks;
}

/**
 * Parse js-tiktoken's packed form of the same data (the `bpe_ranks` string in
 * `js-tiktoken/ranks/*`): each line is "<label> <first rank> tok tok tok ...",
 * and the tokens on a line get consecutive ranks from <first rank>.
 */
export function parseJsTiktokenRanks(packed: string): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const line of packed.split("\n")) {
    if (line === "") continue;
    const [, first, ...tokens] = line.split(" ");
    const start = Number(first);
    if (!Number.isInteger(start))
      throw new Error(`js-tiktoken ranks: bad line start ${JSON.stringify(line.slice(0, 40))}`);
    tokens.forEach((token, i) => ranks.set(token, start + i));
  }
  return ranks;
}

/** What a tiktoken encoding is: ranks (base64 -> rank), a split pattern, and special tokens. */
export interface TiktokenSpec {
  name: string;
  ranks: Map<string, number>;
  pattern: string;
  special: Record<string, number>;
}

/** Build our Tokenizer from a tiktoken encoding. */
export function tokenizerFromTiktoken(spec: TiktokenSpec): Tokenizer {
  const tokens: Uint8Array[] = [];
  // Tokens as "binary strings" (one char per byte) for fast lookup by bytes.
  const idOf = new Map<string, number>();
  for (const [b64, rank] of spec.ranks) {
    const bytes = Buffer.from(b64, "base64");
    if (tokens[rank] !== undefined) throw new Error(`${spec.name}: rank ${rank} is given to two tokens`);
    tokens[rank] = new Uint8Array(bytes);
    idOf.set(bytes.toString("latin1"), rank);
  }
  // Every cut of every token into two tokens is a merge, ranked by the result.
  const merges = new Map<number, Merge>();
  for (const [key, rank] of idOf) {
    for (let cut = 1; cut < key.length; cut++) {
      const left = idOf.get(key.slice(0, cut));
      if (left === undefined) continue;
      const right = idOf.get(key.slice(cut));
      if (right !== undefined) merges.set(pairKey(left, right), { rank, id: rank });
    }
  }
  return new Tokenizer({
    name: spec.name,
    tokens,
    merges,
    preTokenize: regexPreTokenizer(spec.pattern),
    special: new Map(Object.entries(spec.special)),
    // tiktoken looks a whole piece up before merging anything.
    ignoreMerges: true,
    pattern: spec.pattern,
  });
}

/** Load one of js-tiktoken's bundled encodings, e.g. `(await import("js-tiktoken/ranks/gpt2")).default`. */
export function tokenizerFromJsTiktoken(
  name: string,
  data: { pat_str: string; special_tokens: Record<string, number>; bpe_ranks: string },
): Tokenizer {
  return tokenizerFromTiktoken({
    name,
    ranks: parseJsTiktokenRanks(data.bpe_ranks),
    pattern: data.pat_str,
    special: data.special_tokens,
  });
}
