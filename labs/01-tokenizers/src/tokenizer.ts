// The tokenizer: one class that every vocabulary in this lab loads into, our
// own trained one, tiktoken rank files and Hugging Face tokenizer.json files
// alike. What differs between them is data (the token bytes, the merge
// table, the split pattern), never the algorithm.

import { UserError } from "@llm-labs/errors";
import { assertWellFormed, findUtf8Error, utf8Bytes, utf8Decode, utf8DecodeLossy } from "./bytes.ts";
import { applyMerges, type Merge } from "./encode.ts";
import { applyMergesLong, LONG_PIECE } from "./encode-long.ts";
import { StreamDecoder } from "./decode.ts";
import type { PreTokenizer } from "./pretokenize.ts";

export type { Merge } from "./encode.ts";

export interface TokenizerParts {
  // A name for messages and tables, e.g. "gpt2" or "Qwen3".
  name: string;
  // tokens[id] = the bytes token `id` stands for. Ids may have holes.
  tokens: (Uint8Array | undefined)[];
  // pairKey(a, b) -> the merge that turns tokens a, b into one token.
  merges: Map<number, Merge>;
  // Cuts text into pieces before BPE (see pretokenize.ts).
  preTokenize: PreTokenizer;
  // Applied to ordinary text before pre-tokenization (Qwen3 uses NFC).
  normalize?: ((text: string) => string) | null;
  // Special (added) tokens: matched in the raw text, never split, never merged.
  special?: Map<string, number>;
  // If a whole piece is already a token, emit it without running BPE.
  // tiktoken always does this; Hugging Face does it when the model says
  // `ignore_merges: true` (Llama 3).
  ignoreMerges?: boolean;
  // The split pattern as written, kept so the tokenizer can be saved.
  pattern?: string;
}

export type SpecialPolicy = "allow" | "ignore" | "raise";

export class Tokenizer {
  readonly name: string;
  readonly tokens: (Uint8Array | undefined)[];
  readonly merges: Map<number, Merge>;
  readonly special: Map<string, number>;
  readonly ignoreMerges: boolean;
  readonly pattern: string | undefined;
  readonly preTokenize: PreTokenizer;
  readonly normalize: ((text: string) => string) | null;
  // byteIds[b] = the id of the one-byte token for byte b: where every piece starts.
  private readonly byteIds: Int32Array;
  private readonly specialById = new Map<number, string>();
  private readonly specialRegex: RegExp | null;
  private textToId: Map<string, number> | null = null;
  // Piece -> ids. Natural text repeats its words constantly, so most pieces
  // were encoded before; GPT-2's own encoder.py keeps the same kind of cache.
  // When it grows past `cacheLimit` we simply empty it.
  private cache = new Map<string, number[]>();
  cacheLimit = 100_000;

  constructor(parts: TokenizerParts) {
    this.name = parts.name;
    this.tokens = parts.tokens;
    this.merges = parts.merges;
    this.preTokenize = parts.preTokenize;
    this.normalize = parts.normalize ?? null;
    this.special = parts.special ?? new Map();
    this.ignoreMerges = parts.ignoreMerges ?? false;
    this.pattern = parts.pattern;

    this.byteIds = new Int32Array(256).fill(-1);
    parts.tokens.forEach((bytes, id) => {
      if (bytes && bytes.length === 1 && this.byteIds[bytes[0]] === -1) this.byteIds[bytes[0]] = id;
    });
    const missing = [...this.byteIds.keys()].filter((b) => this.byteIds[b] === -1);
    if (missing.length > 0) {
      throw new UserError(
        `${this.name}: a byte-level vocabulary needs a token for each of the 256 bytes; missing ${missing
          .slice(0, 8)
          .map((b) => "0x" + b.toString(16))
          .join(", ")}${missing.length > 8 ? ", ..." : ""}`,
      );
    }
    for (const [text, id] of this.special) this.specialById.set(id, text);
    // Longest first, so "<|im_start|>" wins over a shorter token it contains.
    const alternatives = [...this.special.keys()].sort((a, b) => b.length - a.length).map(escapeRegex);
    this.specialRegex = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : null;
  }

  // One more than the largest id, ordinary or special.
  get vocabSize(): number {
    let size = this.tokens.length;
    for (const id of this.special.values()) size = Math.max(size, id + 1);
    return size;
  }

  // Text -> token ids.
  //
  // 1. Special tokens are cut out of the raw text first ("allow"), left as
  //    ordinary text ("ignore"), or refused ("raise": the safe choice for
  //    user input, which should not be able to type "<|endoftext|>").
  // 2. Each stretch between them is normalized, then pre-tokenized.
  // 3. Each piece becomes UTF-8 bytes, then one-byte tokens, then BPE merges.
  encode(text: string, options: { special?: SpecialPolicy } = {}): number[] {
    assertWellFormed(text);
    const policy = options.special ?? "allow";
    const out: number[] = [];
    if (this.specialRegex === null || policy === "ignore") {
      this.encodeOrdinary(text, out);
      return out;
    }
    let start = 0;
    this.specialRegex.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = this.specialRegex.exec(text)) !== null) {
      if (policy === "raise")
        throw new UserError(
          `the text contains the special token ${JSON.stringify(m[0])} at index ${m.index}; pass { special: "allow" } or "ignore" to say what you mean`,
        );
      this.encodeOrdinary(text.slice(start, m.index), out);
      out.push(this.special.get(m[0])!);
      start = m.index + m[0].length;
    }
    this.encodeOrdinary(text.slice(start), out);
    return out;
  }

  // UTF-8 bytes (a file, a network buffer) -> token ids. A byte-level
  // tokenizer could encode any bytes at all, but every tokenizer here
  // normalizes and pre-tokenizes *text*, so bytes that are not UTF-8 are
  // refused with the offset and the reason, instead of being patched up.
  encodeBytes(bytes: Uint8Array, options: { special?: SpecialPolicy } = {}): number[] {
    let text: string;
    try {
      text = utf8Decode(bytes);
    } catch (e) {
      throw new UserError(`${this.name}: cannot encode these bytes: ${(e as Error).message}`);
    }
    return this.encode(text, options);
  }

  private encodeOrdinary(text: string, out: number[]): void {
    if (text.length === 0) return;
    const pieces = this.pieces(text);
    for (let p = 0; p < pieces.length; p++) {
      const ids = this.encodePiece(pieces[p]);
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    }
  }

  // Ordinary text (no special tokens) -> the pieces BPE sees: normalized, then pre-tokenized.
  pieces(text: string): string[] {
    return this.preTokenize(this.normalize ? this.normalize(text) : text);
  }

  // One pre-token to ids, through the cache. (The array is shared with the cache: copy it before changing it.)
  encodePiece(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached !== undefined) return cached;
    let ids: number[];
    const whole = this.ignoreMerges ? this.wholeTokens().get(piece) : undefined;
    if (whole !== undefined) ids = [whole];
    else {
      const bytes = utf8Bytes(piece);
      ids = new Array<number>(bytes.length);
      for (let i = 0; i < bytes.length; i++) ids[i] = this.byteIds[bytes[i]];
      // A long piece (Chinese without spaces is one piece per line) takes the
      // O(n log n) heap merge; the scan is O(n²) but faster on short pieces.
      ids = ids.length >= LONG_PIECE ? applyMergesLong(ids, this.merges) : applyMerges(ids, this.merges);
    }
    if (this.cache.size >= this.cacheLimit) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }

  // Forget cached pieces (needed only if you change `merges` by hand).
  clearCache(): void {
    this.cache.clear();
  }

  // Token text -> id, for tokens whose bytes are whole UTF-8 text (the only ones a piece can equal).
  private wholeTokens(): Map<string, number> {
    if (this.textToId) return this.textToId;
    const map = new Map<string, number>();
    this.tokens.forEach((bytes, id) => {
      // A token holding part of a character can never equal a whole piece.
      if (!bytes || findUtf8Error(bytes) !== null) return;
      const text = utf8DecodeLossy(bytes);
      if (!map.has(text)) map.set(text, id);
    });
    return (this.textToId = map);
  }

  // The bytes of one token (a special token's bytes are its text in UTF-8).
  tokenBytes(id: number): Uint8Array {
    const bytes = this.tokens[id];
    if (bytes) return bytes;
    const special = this.specialById.get(id);
    if (special !== undefined) return Uint8Array.from(utf8Bytes(special));
    throw new UserError(
      `${this.name}: token id ${id} is not in the vocabulary (ids run from 0 to ${this.vocabSize - 1})`,
    );
  }

  // Ids -> the bytes they stand for, concatenated.
  decodeBytes(ids: readonly number[]): Uint8Array {
    const parts = ids.map((id) => this.tokenBytes(id));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  // Ids -> text. "strict" (the default) refuses ids whose bytes are not valid
  // UTF-8, for example a cut taken in the middle of a character; "replace"
  // writes U+FFFD instead, like tiktoken and Hugging Face do.
  decode(ids: readonly number[], options: { errors?: "strict" | "replace" } = {}): string {
    const bytes = this.decodeBytes(ids);
    if (options.errors === "replace") return utf8DecodeLossy(bytes);
    try {
      return utf8Decode(bytes);
    } catch (e) {
      throw new UserError(
        `${this.name}: these ids do not decode to text: ${(e as Error).message} (decoding a stream token by token? use streamDecoder())`,
      );
    }
  }

  // A decoder for ids that arrive one at a time (see decode.ts).
  streamDecoder(): StreamDecoder {
    return new StreamDecoder((id) => this.tokenBytes(id));
  }

  // A token for display: its text if it is whole UTF-8, else its bytes in hex.
  show(id: number): string {
    const bytes = this.tokenBytes(id);
    try {
      return JSON.stringify(utf8Decode(bytes));
    } catch {
      return "<" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ") + ">";
    }
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}
