// Bytes are the alphabet of a byte-level tokenizer. This file holds the two
// byte facts everything else leans on: how text becomes UTF-8 bytes, and how
// GPT-2 writes a byte down as a printable character in a vocabulary file.

import { UserError } from "@llm-labs/errors";

// UTF-8 (RFC 3629) writes a code point cp in 1 to 4 bytes:
//
//   cp < 0x80      0xxxxxxx                              (ASCII stays one byte)
//   cp < 0x800     110xxxxx 10xxxxxx
//   cp < 0x10000   1110xxxx 10xxxxxx 10xxxxxx            (most CJK: 3 bytes)
//   otherwise      11110xxx 10xxxxxx 10xxxxxx 10xxxxxx   (emoji: 4 bytes)
//
// A JavaScript string is UTF-16: code points above 0xFFFF arrive as a
// surrogate pair hi (0xD800..0xDBFF) + lo (0xDC00..0xDFFF), and
//   cp = 0x10000 + (hi - 0xD800) * 0x400 + (lo - 0xDC00).
// A surrogate without its partner is not a character at all and has no UTF-8
// form, so we refuse it instead of silently writing U+FFFD like TextEncoder.
export function utf8Bytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const lo = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (cp > 0xdbff || lo < 0xdc00 || lo > 0xdfff) throw loneSurrogate(text, i);
      cp = 0x10000 + (cp - 0xd800) * 0x400 + (lo - 0xdc00);
      i++;
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}

// Throws a readable error if `text` holds a surrogate without its partner.
export function assertWellFormed(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else throw loneSurrogate(text, i);
  }
}

function loneSurrogate(text: string, at: number): UserError {
  const hex = text.charCodeAt(at).toString(16).toUpperCase();
  return new UserError(
    `invalid input: lone surrogate U+${hex} at index ${at} is not a Unicode character, so it has no UTF-8 bytes to tokenize`,
  );
}

// The exact check a decoder needs: is `bytes` well-formed UTF-8? Returns null
// if so, else the first bad offset and why. Well-formed means (RFC 3629):
// every lead byte is followed by the right number of 10xxxxxx bytes, no code
// point is written longer than necessary (overlong), none is a surrogate
// (D800..DFFF) and none is above 10FFFF.
export function findUtf8Error(bytes: ArrayLike<number>): { offset: number; reason: string } | null {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let cp: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      min = 0x10000;
    } else if (b >= 0x80 && b <= 0xbf)
      return { offset: i, reason: `continuation byte 0x${hex(b)} with no lead byte before it` };
    else return { offset: i, reason: `byte 0x${hex(b)} never appears in UTF-8` };
    if (i + need >= bytes.length) {
      return {
        offset: i,
        reason: `sequence starting with 0x${hex(b)} needs ${need + 1} bytes but the input ends after ${bytes.length - i}`,
      };
    }
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80)
        return { offset: i + k, reason: `expected a continuation byte 10xxxxxx, found 0x${hex(c)}` };
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min) return { offset: i, reason: `overlong encoding of U+${cp.toString(16).toUpperCase()}` };
    if (cp >= 0xd800 && cp <= 0xdfff)
      return { offset: i, reason: `encodes the surrogate U+${cp.toString(16).toUpperCase()}` };
    if (cp > 0x10ffff) return { offset: i, reason: `code point above U+10FFFF` };
    i += need + 1;
  }
  return null;
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, "0");
}

// ignoreBOM: true means "do not treat a leading U+FEFF specially", i.e. keep
// it. The default silently drops it, and then a token that is just the bytes
// EF BB BF would decode to "" and the round trip would break.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossyDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

// UTF-8 bytes to text, writing U+FFFD for each malformed sequence (what tiktoken and Hugging Face do).
export function utf8DecodeLossy(bytes: Uint8Array): string {
  return lossyDecoder.decode(bytes);
}

// UTF-8 bytes to text; malformed input is an error that says where and why.
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    const err = findUtf8Error(bytes);
    const where = err ? `at byte ${err.offset}: ${err.reason}` : "(TextDecoder refused it)";
    throw new UserError(`invalid UTF-8 ${where}`);
  }
}

// GPT-2 stored its vocabulary as JSON text, and its BPE code split on
// whitespace, so a raw byte like 0x20 (space) or 0x0A (newline) could not
// appear inside a token string. Its fix (openai/gpt-2, src/encoder.py,
// `bytes_to_unicode`) gives each of the 256 bytes a printable stand-in:
//
//   - bytes that already print as themselves keep their character:
//       '!'..'~' (33..126), '¡'..'¬' (161..172), '®'..'ÿ' (174..255)
//   - the remaining 68 bytes (0..32, 127..160, 173), taken in increasing
//     order, get U+0100, U+0101, U+0102, ... in turn.
//
// So space (32) is 'Ġ' (U+0120) and newline (10) is 'Ċ' (U+010A): the odd
// characters you see all over Hugging Face vocabularies. The map is a
// bijection, so a token string turns back into its exact bytes.
//
// Returns an array of 256 one-character strings: result[byte] = stand-in.
export function bytesToUnicode(): string[] {
  // #region exercise byte-map
  const chars: string[] = new Array(256);
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    chars[b] = printable(b) ? String.fromCharCode(b) : String.fromCharCode(next++);
  }
  return chars;
  // #endregion
}

// The map is built on first use, not at import time: a learner who has not
// written `bytesToUnicode` yet can still run every test that does not need it.
let byteToCharCache: string[] | null = null;
let charToByteCache: Map<string, number> | null = null;

// byte -> GPT-2 stand-in character.
export function byteToChar(): string[] {
  return (byteToCharCache ??= bytesToUnicode());
}

// GPT-2 stand-in character -> byte (the inverse map).
export function charToByte(): Map<string, number> {
  if (charToByteCache) return charToByteCache;
  const inverse = new Map<string, number>();
  byteToChar().forEach((ch, b) => inverse.set(ch, b));
  if (inverse.size !== 256)
    throw new Error(`bytesToUnicode must give 256 different characters, got ${inverse.size}`);
  return (charToByteCache = inverse);
}

// Bytes to their byte-level token string, e.g. [32, 104, 105] -> "Ġhi".
export function bytesToTokenString(bytes: ArrayLike<number>): string {
  const map = byteToChar();
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += map[bytes[i]];
  return s;
}

// The stand-ins are all below U+0144, so the inverse map fits in a small
// array indexed by character code: loading a 200,000-token vocabulary does
// this lookup about a million times.
let charCodeToByteCache: Int16Array | null = null;

function charCodeToByte(): Int16Array {
  if (charCodeToByteCache) return charCodeToByteCache;
  const table = new Int16Array(0x144).fill(-1);
  for (const [ch, b] of charToByte()) {
    if (ch.charCodeAt(0) >= table.length)
      throw new Error(
        `bytesToUnicode: byte ${b} maps to U+${ch.charCodeAt(0).toString(16)}, above GPT-2's range`,
      );
    table[ch.charCodeAt(0)] = b;
  }
  return (charCodeToByteCache = table);
}

// A byte-level token string back to bytes, or null if a character is not one of the 256 stand-ins.
export function tokenStringToBytes(token: string): Uint8Array | null {
  const table = charCodeToByte();
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const b = code < table.length ? table[code] : -1;
    if (b < 0) return null;
    out[i] = b;
  }
  return out;
}
