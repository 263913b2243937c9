// Loading (and saving) Hugging Face `tokenizer.json` files for byte-level BPE.
//
// A tokenizer.json describes a pipeline (huggingface/tokenizers, the
// "Tokenizer" JSON format):
//
//   added_tokens   special strings cut out of the raw text first
//   normalizer     text -> text, e.g. {"type": "NFC"} (Qwen3)
//   pre_tokenizer  text -> pieces, e.g. Sequence[Split(regex), ByteLevel]
//   model          pieces -> ids: {"type": "BPE", "vocab": {...}, "merges": [...]}
//   post_processor adds BOS/EOS and the like (we compare without special tokens, so we skip it)
//   decoder        ids -> text (for byte-level BPE: the inverse byte map, which we do from bytes directly)
//
// In a byte-level vocabulary every token is written with GPT-2's byte
// stand-ins (bytes.ts): "Ġthe" is the bytes " the". Merges are written as
// "Ġ t" strings (older files) or ["Ġ", "t"] pairs (newer files), and their
// position in the list is their rank.

import { readFileSync, statSync } from "node:fs";
import { fsUserError, UserError } from "@llm-labs/errors";
import { z } from "zod";
import { bytesToTokenString, findUtf8Error, tokenStringToBytes, utf8Bytes } from "./bytes.ts";
import { PAIR_BASE, pairKey, unpairKey } from "./pairs.ts";
import {
  compilePattern,
  GPT2_PATTERN,
  regexPreTokenizer,
  splitPreTokenizer,
  type PreTokenizer,
} from "./pretokenize.ts";
import { guardSplitPattern } from "./regex-guard.ts";
import { Tokenizer, type Merge } from "./tokenizer.ts";

const AddedToken = z.object({
  id: z.number().int().nonnegative(),
  content: z.string().min(1),
  special: z.boolean().optional(),
  single_word: z.boolean().optional(),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  normalized: z.boolean().optional(),
});

const Component = z.looseObject({ type: z.string() });

const TokenizerJson = z.looseObject({
  added_tokens: z.array(AddedToken).nullish(),
  normalizer: Component.nullish(),
  pre_tokenizer: Component.nullish(),
  model: z.looseObject(
    { type: z.string().optional() },
    {
      error: (iss) =>
        iss.input === undefined ? 'the "model" section is missing' : '"model" must be an object',
    },
  ),
});

const BpeModel = z.object({
  type: z.literal("BPE"),
  // vocab and merges are checked entry by entry while we build the tables:
  // several times faster than zod on 200,000 entries, and the message can
  // name the entry.
  vocab: z.custom<Record<string, unknown>>(
    (v) => typeof v === "object" && v !== null && !Array.isArray(v),
    "expected an object mapping token strings to ids",
  ),
  merges: z.array(z.unknown()),
  dropout: z.number().nullish(),
  unk_token: z.string().nullish(),
  continuing_subword_prefix: z.string().nullish(),
  end_of_word_suffix: z.string().nullish(),
  fuse_unk: z.boolean().nullish(),
  byte_fallback: z.boolean().nullish(),
  ignore_merges: z.boolean().nullish(),
});

const SplitConfig = z.object({
  type: z.literal("Split"),
  pattern: z.union([z.object({ Regex: z.string() }), z.object({ String: z.string() })]),
  behavior: z.string(),
  invert: z.boolean().optional(),
});

const ByteLevelConfig = z.object({
  type: z.literal("ByteLevel"),
  add_prefix_space: z.boolean().optional(),
  use_regex: z.boolean().optional(),
  trim_offsets: z.boolean().optional(),
});

// A tokenizer.json this loader cannot read, and where in it. A UserError: the
// course CLI prints it as one line. `file` names the file (default
// "tokenizer.json").
export class TokenizerJsonError extends UserError {
  readonly detail: string;
  constructor(message: string, file = "tokenizer.json") {
    // One line, whatever the file held (V8 quotes the text around a JSON error).
    const line = message.replace(/\s*[\r\n]+\s*/g, " ");
    super(`${file}: ${line}`);
    this.name = "TokenizerJsonError";
    this.detail = line;
  }
}

// Ids are packed in pairs into one number (pairs.ts: a * 2^20 + b), so every
// id, ordinary or added, must be below 2^20 = 1,048,576. The largest real
// vocabulary here, o200k, ends at about 200,000.
export const MAX_TOKEN_ID = PAIR_BASE - 1;

// The biggest tokenizer.json read from disk: real ones are 2 to 11 MB.
export const MAX_TOKENIZER_JSON_BYTES = 200_000_000;

// Nested Sequence normalizers deeper than this are refused (real files nest one level).
const MAX_DEPTH = 16;

function check<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map(
    (i) => `${[where, ...i.path].filter((p) => p !== "").join(".")}: ${i.message}`,
  );
  throw new TokenizerJsonError(issues.join("; "));
}

// Normalizers we support: the Unicode normal forms, Lowercase, and Sequences of them.
function buildNormalizer(
  config: unknown,
  where = "normalizer",
  depth = 0,
): ((text: string) => string) | null {
  if (config === null || config === undefined) return null;
  if (depth > MAX_DEPTH)
    throw new TokenizerJsonError(`${where}: Sequences nested more than ${MAX_DEPTH} deep`);
  const c = check(Component, config, where);
  switch (c.type) {
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD": {
      const form = c.type;
      return (text) => text.normalize(form);
    }
    case "Lowercase":
      return (text) => text.toLowerCase();
    case "Sequence": {
      const parts = check(z.object({ normalizers: z.array(z.unknown()) }), config, where).normalizers.map(
        (n, i) => buildNormalizer(n, `${where}.normalizers.${i}`, depth + 1),
      );
      return (text) => parts.reduce((t, f) => (f ? f(t) : t), text);
    }
    default:
      throw new TokenizerJsonError(
        `${where}: normalizer type "${c.type}" is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Sequence)`,
      );
  }
}

// One stage of the pre-tokenizer: every incoming piece becomes zero or more pieces.
type Stage = (pieces: string[]) => string[];

function flatten(split: PreTokenizer): Stage {
  return (pieces) => pieces.flatMap(split);
}

// Pre-tokenizers we support: Split, ByteLevel and Sequences of them. The
// byte-level mapping itself happens inside our model (we keep pieces as
// text and turn them into bytes there), so ByteLevel must be the last stage:
// a stage after it would see stand-in characters, not text.
function buildPreTokenizer(config: unknown): PreTokenizer {
  if (config === null || config === undefined)
    throw new TokenizerJsonError(
      "pre_tokenizer is missing: a byte-level BPE needs a ByteLevel pre-tokenizer",
    );
  const isSequence = check(Component, config, "pre_tokenizer").type === "Sequence";
  const list = isSequence
    ? check(z.object({ pretokenizers: z.array(z.unknown()) }), config, "pre_tokenizer").pretokenizers
    : [config];
  const stages: Stage[] = [];
  let sawByteLevel = false;
  list.forEach((item, i) => {
    const where = isSequence ? `pre_tokenizer.pretokenizers.${i}` : "pre_tokenizer";
    const c = check(Component, item, where);
    if (sawByteLevel)
      throw new TokenizerJsonError(
        `${where}: "${c.type}" comes after ByteLevel; this loader needs ByteLevel to be the last pre-tokenizer`,
      );
    if (c.type === "Split") {
      const s = check(SplitConfig, item, where);
      if (s.behavior !== "Isolated" && s.behavior !== "Removed")
        throw new TokenizerJsonError(
          `${where}: Split behavior "${s.behavior}" is not supported (supported: Isolated, Removed)`,
        );
      const pattern =
        "Regex" in s.pattern ? s.pattern.Regex : s.pattern.String.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
      if (pattern === "") throw new TokenizerJsonError(`${where}: the Split pattern is empty`);
      let split: PreTokenizer;
      try {
        // A pattern from a file must not be able to hang the encoder (regex-guard.ts).
        guardSplitPattern(pattern, `${where}.pattern`, compilePattern);
        split = splitPreTokenizer(pattern, s.behavior, s.invert ?? false);
      } catch (e) {
        if (e instanceof TokenizerJsonError) throw e;
        throw new TokenizerJsonError(
          (e as Error).message.startsWith(where)
            ? (e as Error).message
            : `${where}.pattern: ${(e as Error).message}`,
        );
      }
      stages.push(flatten(split));
    } else if (c.type === "ByteLevel") {
      const b = check(ByteLevelConfig, item, where);
      sawByteLevel = true;
      // Hugging Face: prepend a space to each piece that does not start with one,
      // then (use_regex, default true) split each piece with GPT-2's pattern.
      if (b.add_prefix_space) stages.push((pieces) => pieces.map((p) => (p.startsWith(" ") ? p : " " + p)));
      if (b.use_regex ?? true) stages.push(flatten(regexPreTokenizer(GPT2_PATTERN)));
    } else {
      throw new TokenizerJsonError(
        `${where}: pre-tokenizer type "${c.type}" is not supported (supported: Split, ByteLevel, Sequence)`,
      );
    }
  });
  if (!sawByteLevel)
    throw new TokenizerJsonError(
      "pre_tokenizer has no ByteLevel step, so this is not a byte-level BPE tokenizer",
    );
  if (stages.length === 1) {
    const only = stages[0];
    return (text) => only([text]);
  }
  return (text) => stages.reduce((pieces, stage) => stage(pieces), [text]);
}

// Parse and check a tokenizer.json (as an already-parsed JSON value) and build our Tokenizer from it.
export function tokenizerFromHfJson(json: unknown, name = "tokenizer.json"): Tokenizer {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new TokenizerJsonError("expected a JSON object at the top level");
  const file = check(TokenizerJson, json, "");
  const type = file.model.type;
  if (type === undefined)
    throw new TokenizerJsonError(
      'model has no "type"; this loader reads byte-level BPE models ("type": "BPE")',
    );
  if (type !== "BPE")
    throw new TokenizerJsonError(
      `model type "${type}" is not supported; this loader reads byte-level BPE models ("type": "BPE") only`,
    );
  const model = check(BpeModel, file.model, "model");
  if (model.byte_fallback)
    throw new TokenizerJsonError(
      "model.byte_fallback is true: that is a SentencePiece-style BPE (like Llama 2), not byte-level BPE",
    );
  if (model.continuing_subword_prefix || model.end_of_word_suffix)
    throw new TokenizerJsonError(
      "model uses continuing_subword_prefix / end_of_word_suffix, which byte-level BPE does not; not supported",
    );
  if (model.dropout)
    throw new TokenizerJsonError(
      `model.dropout = ${model.dropout}: BPE-dropout makes encoding random; not supported`,
    );

  // Vocabulary: token string -> id, and id -> bytes.
  const tokens: (Uint8Array | undefined)[] = [];
  const vocabText: string[] = []; // id -> the token as the file writes it, for messages
  const vocab = new Map<string, number>();
  for (const token of Object.keys(model.vocab)) {
    const id = model.vocab[token];
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0)
      throw new TokenizerJsonError(
        `model.vocab: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}; ids are integers >= 0`,
      );
    if (id > MAX_TOKEN_ID)
      throw new TokenizerJsonError(
        `model.vocab: token ${JSON.stringify(token)} has id ${id}; this loader's ids must be at most ${MAX_TOKEN_ID} (2^20 - 1, the limit of pairs.ts)`,
      );
    const bytes = tokenStringToBytes(token);
    if (bytes === null) {
      const bad = [...token].find((ch) => tokenStringToBytes(ch) === null)!;
      throw new TokenizerJsonError(
        `model.vocab: token ${JSON.stringify(token)} (id ${id}) contains ${JSON.stringify(bad)} (U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}), which is not one of GPT-2's 256 byte characters; is this really a byte-level vocabulary?`,
      );
    }
    if (tokens[id] !== undefined)
      throw new TokenizerJsonError(
        `model.vocab: id ${id} is used by two tokens, ${JSON.stringify(vocabText[id])} and ${JSON.stringify(token)}`,
      );
    tokens[id] = bytes;
    vocabText[id] = token;
    vocab.set(token, id);
  }

  // Merges: position in the list = rank; the merged token must be in the vocabulary.
  const merges = new Map<number, Merge>();
  model.merges.forEach((entry, rank) => {
    let a: string;
    let b: string;
    if (typeof entry === "string") {
      const space = entry.indexOf(" ");
      if (space <= 0 || entry.indexOf(" ", space + 1) !== -1)
        throw new TokenizerJsonError(
          `model.merges[${rank}]: ${JSON.stringify(entry)} is not two tokens separated by one space`,
        );
      a = entry.slice(0, space);
      b = entry.slice(space + 1);
    } else if (
      Array.isArray(entry) &&
      entry.length === 2 &&
      typeof entry[0] === "string" &&
      typeof entry[1] === "string"
    ) {
      [a, b] = entry as [string, string];
    } else {
      throw new TokenizerJsonError(
        `model.merges[${rank}]: expected "a b" or ["a", "b"], got ${JSON.stringify(entry)}`,
      );
    }
    const ia = vocab.get(a);
    const ib = vocab.get(b);
    const merged = vocab.get(a + b);
    if (ia === undefined || ib === undefined || merged === undefined) {
      const what =
        ia === undefined
          ? `refers to ${JSON.stringify(a)}`
          : ib === undefined
            ? `refers to ${JSON.stringify(b)}`
            : `makes ${JSON.stringify(a + b)}`;
      throw new TokenizerJsonError(
        `model.merges[${rank}] ${JSON.stringify(`${a} ${b}`)} ${what}, which is not in model.vocab`,
      );
    }
    const key = pairKey(ia, ib);
    // A pair listed twice keeps its first (lowest) rank.
    if (!merges.has(key)) merges.set(key, { rank, id: merged });
  });

  // Added tokens: one id per text and one text per id. An added token may
  // reuse a vocabulary id only for the same bytes (GPT-4o lists
  // "<|endoftext|>" in both); anything else would encode one thing and decode
  // another.
  const special = new Map<string, number>();
  const addedText = new Map<number, string>();
  (file.added_tokens ?? []).forEach((t, i) => {
    const where = `added_tokens[${i}] ${JSON.stringify(t.content)}`;
    if (t.lstrip || t.rstrip || t.single_word)
      throw new TokenizerJsonError(
        `${where} uses lstrip/rstrip/single_word, which this loader does not support`,
      );
    if (t.id > MAX_TOKEN_ID)
      throw new TokenizerJsonError(
        `${where} has id ${t.id}; this loader's ids must be at most ${MAX_TOKEN_ID} (2^20 - 1, the limit of pairs.ts)`,
      );
    const before = special.get(t.content);
    if (before !== undefined && before !== t.id)
      throw new TokenizerJsonError(
        `${where} has id ${t.id}, but an earlier added token gives it id ${before}`,
      );
    const other = addedText.get(t.id);
    if (other !== undefined && other !== t.content)
      throw new TokenizerJsonError(
        `${where} has id ${t.id}, which is already the added token ${JSON.stringify(other)}`,
      );
    const inVocab = tokens[t.id];
    if (inVocab !== undefined && bytesToTokenString(inVocab) !== bytesToTokenString(utf8Bytes(t.content)))
      throw new TokenizerJsonError(
        `${where} has id ${t.id}, which model.vocab gives to ${JSON.stringify(vocabText[t.id])}; an added token needs an id of its own`,
      );
    const vocabId = vocab.get(bytesToTokenString(utf8Bytes(t.content)));
    if (vocabId !== undefined && vocabId !== t.id)
      throw new TokenizerJsonError(
        `${where} has id ${t.id}, but model.vocab has the same token with id ${vocabId}`,
      );
    special.set(t.content, t.id);
    addedText.set(t.id, t.content);
  });

  return new Tokenizer({
    name,
    tokens,
    merges,
    preTokenize: buildPreTokenizer(file.pre_tokenizer),
    normalize: buildNormalizer(file.normalizer),
    special,
    ignoreMerges: model.ignore_merges ?? false,
  });
}

// Save a tokenizer we trained as a tokenizer.json that Hugging Face
// tokenizers and transformers.js can load: the vocabulary in GPT-2's byte
// characters, the merges in rank order as ["a", "b"] pairs, our split pattern
// as a Split pre-tokenizer followed by ByteLevel.
export function tokenizerToHfJson(tok: Tokenizer): Record<string, unknown> {
  if (tok.pattern === undefined)
    throw new Error(`${tok.name}: no split pattern recorded, cannot write a tokenizer.json`);
  const byRank = [...tok.merges].sort((x, y) => x[1].rank - y[1].rank);
  const made = new Set(byRank.map(([, m]) => m.id));
  if (made.size !== byRank.length)
    throw new Error(
      `${tok.name}: several pairs make the same token (a tiktoken rank file?); a tokenizer.json merge list needs one merge per token`,
    );
  const vocab: Record<string, number> = {};
  tok.tokens.forEach((bytes, id) => {
    if (bytes) vocab[bytesToTokenString(bytes)] = id;
  });
  const str = (id: number) => bytesToTokenString(tok.tokens[id]!);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [...tok.special].map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: tok.pattern }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: byRank.map(([key]) => unpairKey(key).map(str)),
    },
  };
}

// Read and load a tokenizer.json from disk. Every way the file can be wrong,
// unreadable, too big, cut short, not JSON, not a byte-level BPE, is a
// TokenizerJsonError (a UserError) that starts with the path.
export function readTokenizerJson(path: string, name = path): Tokenizer {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory())
      throw new TokenizerJsonError("is a folder; give the path of the tokenizer.json in it", path);
    size = st.size;
  } catch (e) {
    throw fsUserError(e, { path, doing: "read" }) ?? e;
  }
  if (size > MAX_TOKENIZER_JSON_BYTES)
    throw new TokenizerJsonError(
      `is ${size.toLocaleString("en-US")} bytes, above the ${MAX_TOKENIZER_JSON_BYTES.toLocaleString("en-US")}-byte limit for a tokenizer.json (real ones are a few MB)`,
      path,
    );
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fsUserError(e, { path, doing: "read" }) ?? e;
  }
  // JSON is UTF-8; readFileSync(…, "utf8") would quietly turn bad bytes into U+FFFD.
  const bad = findUtf8Error(bytes);
  if (bad) throw new TokenizerJsonError(`is not UTF-8 text: byte ${bad.offset}: ${bad.reason}`, path);
  return tokenizerFromJsonText(new TextDecoder().decode(bytes), path, name);
}

// The same from the file's text: JSON errors and loader errors name `file`.
export function tokenizerFromJsonText(text: string, file = "tokenizer.json", name = file): Tokenizer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TokenizerJsonError(
      `is not valid JSON (${(e as Error).message}); ${text.length === 0 ? "the file is empty" : "was it cut short while copying?"}`,
      file,
    );
  }
  try {
    return tokenizerFromHfJson(json, name);
  } catch (e) {
    if (e instanceof TokenizerJsonError) throw new TokenizerJsonError(e.detail, file);
    throw e;
  }
}
