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
import { UserError } from "@llm-labs/errors";
import { PAIR_BASE, pairKey } from "./pairs.ts";
import { regexPreTokenizer } from "./pretokenize.ts";
import { Tokenizer, type Merge } from "./tokenizer.ts";

// Standard base64 (RFC 4648, section 4) of at least one byte, with its padding: what tiktoken files hold.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

// Ranks are token ids, and ids must fit the pair keys of pairs.ts (below 2^20).
export const MAX_RANK = PAIR_BASE - 1;

// Parse the ".tiktoken" file format: lines "base64 rank", one space between.
// A line that is not exactly that, a token or a rank given twice, or a rank
// above MAX_RANK is refused with its line number (`where` names the file):
// Buffer.from(…, "base64") silently skips characters that are not base64, so
// a damaged line would quietly become a different token.
export function parseTiktokenFile(text: string, where = "tiktoken file"): Map<string, number> {
  const ranks = new Map<string, number>();
  const lineOf = new Map<number, number>(); // rank -> the line that gave it
  text.split("\n").forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw; // a file saved on Windows
    if (line === "") return;
    const at = `${where} line ${i + 1}`;
    const m = /^(\S+) (\d+)$/.exec(line);
    if (!m)
      throw new UserError(
        `${at}: expected "<base64> <rank>" with one space between, got ${JSON.stringify(line.slice(0, 60))}`,
      );
    const [, token, digits] = m;
    if (!BASE64.test(token))
      throw new UserError(
        `${at}: ${JSON.stringify(token.slice(0, 40))} is not base64 (A-Z a-z 0-9 + /, padded with =)`,
      );
    const r = Number(digits);
    if (r > MAX_RANK)
      throw new UserError(`${at}: rank ${digits} is above ${MAX_RANK} (2^20 - 1, the limit of pairs.ts)`);
    const before = ranks.get(token);
    if (before !== undefined)
      throw new UserError(`${at}: token ${token} already has rank ${before} (line ${lineOf.get(before)})`);
    const other = lineOf.get(r);
    if (other !== undefined) throw new UserError(`${at}: rank ${r} is already given on line ${other}`);
    ranks.set(token, r);
    lineOf.set(r, i + 1);
  });
  return ranks;
}

// Parse js-tiktoken's packed form of the same data (the `bpe_ranks` string in
// `js-tiktoken/ranks/*`): each line is "<label> <first rank> tok tok tok ...",
// and the tokens on a line get consecutive ranks from <first rank>.
export function parseJsTiktokenRanks(packed: string): Map<string, number> {
  const ranks = new Map<string, number>();
  packed.split("\n").forEach((line, i) => {
    if (line === "") return;
    const [, first, ...tokens] = line.split(" ");
    const start = /^\d+$/.test(first ?? "") ? Number(first) : NaN;
    if (!Number.isSafeInteger(start) || start + tokens.length - 1 > MAX_RANK)
      throw new UserError(
        `js-tiktoken ranks line ${i + 1}: bad first rank ${JSON.stringify(first ?? "")} (a whole number; with the tokens after it at most ${MAX_RANK})`,
      );
    tokens.forEach((token, k) => {
      if (!BASE64.test(token))
        throw new UserError(
          `js-tiktoken ranks line ${i + 1}, token ${k + 1}: ${JSON.stringify(token.slice(0, 40))} is not base64`,
        );
      ranks.set(token, start + k);
    });
  });
  return ranks;
}

// What a tiktoken encoding is: ranks (base64 -> rank), a split pattern, and special tokens.
export interface TiktokenSpec {
  name: string;
  ranks: Map<string, number>;
  pattern: string;
  special: Record<string, number>;
}

// Build our Tokenizer from a tiktoken encoding.
export function tokenizerFromTiktoken(spec: TiktokenSpec): Tokenizer {
  const tokens: Uint8Array[] = [];
  // Tokens as "binary strings" (one char per byte) for fast lookup by bytes.
  const idOf = new Map<string, number>();
  for (const [b64, rank] of spec.ranks) {
    const bytes = Buffer.from(b64, "base64");
    if (!Number.isInteger(rank) || rank < 0 || rank > MAX_RANK)
      throw new UserError(
        `${spec.name}: token ${b64} has rank ${rank}; ranks are whole numbers from 0 to ${MAX_RANK}`,
      );
    if (tokens[rank] !== undefined) throw new UserError(`${spec.name}: rank ${rank} is given to two tokens`);
    tokens[rank] = new Uint8Array(bytes);
    // "IQ==" and "IR==" are both the byte 0x21: base64 ignores the last character's low bits.
    const same = idOf.get(bytes.toString("latin1"));
    if (same !== undefined)
      throw new UserError(
        `${spec.name}: ranks ${same} and ${rank} are the same bytes (${b64}); a token needs one rank`,
      );
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

// Load one of js-tiktoken's bundled encodings, e.g. `(await import("js-tiktoken/ranks/gpt2")).default`.
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
