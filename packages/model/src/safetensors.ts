// safetensors: Hugging Face's file format for named tensors, read and written here.
//
// The layout (https://github.com/huggingface/safetensors, README "Format"):
//
//   bytes 0..8        N, the header size: an unsigned 64-bit little-endian integer
//   bytes 8..8+N      the header: UTF-8 JSON, starting with '{', possibly padded
//                     at the end with spaces (0x20)
//   bytes 8+N..       the data buffer: every tensor's bytes, little-endian, C order
//
// The header maps each tensor name to
//   { "dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END] }
// with BEGIN/END relative to the start of the data buffer, plus an optional
// "__metadata__": { string: string }. The reference implementation
// (safetensors/src/tensor.rs, `Metadata::validate`) requires the byte ranges to
// tile the buffer exactly: sorted by BEGIN, the first starts at 0, each starts
// where the previous one ended, the last ends at the end of the file, and each
// is exactly numel(shape) · sizeof(dtype) bytes. We check all of that, because
// a file is input from outside: a malformed one must fail with a message that
// says what is wrong and where, never read garbage or out of bounds.

// dtype string → bytes per element (the `Dtype` enum of the reference implementation).
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type Dtype = keyof typeof DTYPE_SIZES;

export interface SafeTensor {
  dtype: Dtype;
  shape: number[];
  // The tensor's raw little-endian bytes (a copy, so typed-array views are aligned).
  bytes: Uint8Array;
}

export interface SafeTensorsFile {
  tensors: Map<string, SafeTensor>; // in header order
  metadata: Record<string, string>;
}

import { UserError } from "@llm-labs/errors";

// The reference implementation refuses headers above 100 MB (MAX_HEADER_SIZE).
export const MAX_HEADER = 100_000_000;

function fail(where: string, msg: string): never {
  // One line, whatever the file held: a tensor name may contain a newline.
  throw new UserError(`safetensors${where ? ` ${where}` : ""}: ${msg.replace(/[\r\n]/g, " ")}`);
}

function isDtype(s: unknown): s is Dtype {
  return typeof s === "string" && Object.hasOwn(DTYPE_SIZES, s);
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// Parses and validates a whole file. `where` (a path) goes into every error.
export function readSafetensors(file: Uint8Array, where = ""): SafeTensorsFile {
  if (file.length < 8) {
    fail(where, `truncated file: ${file.length} bytes, but the 8-byte header length alone needs 8`);
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = view.getBigUint64(0, true); // little-endian
  if (n > BigInt(file.length - 8)) {
    fail(
      where,
      `header length ${n} bytes goes beyond the file size (${file.length} bytes, so at most ${file.length - 8} for the header)`,
    );
  }
  const headerLen = Number(n);
  if (headerLen > MAX_HEADER) fail(where, `header length ${headerLen} bytes is above the 100 MB limit`);
  const headerBytes = file.subarray(8, 8 + headerLen);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    fail(
      where,
      `the header is not UTF-8: file byte ${8 + firstBadUtf8(headerBytes)} is not part of a valid character`,
    );
  }
  if (!text.startsWith("{"))
    fail(
      where,
      `the header (file byte 8) must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`,
    );
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    // V8 says "… in JSON at position N", N counted in characters of the header.
    fail(where, `the header (file bytes 8..${8 + headerLen}) is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    fail(where, "the header must be a JSON object");
  // JSON.parse keeps the last of two equal keys; the file would mean two things.
  const dup = duplicateKey(text);
  if (dup)
    fail(
      where,
      `${dup.inside ? `${dup.inside} has` : "the header has"} the key ${JSON.stringify(dup.key)} twice (the second at header character ${dup.at}); ${dup.inside ? "keys" : "tensor names"} must be unique`,
    );

  const data = file.subarray(8 + headerLen);
  // A null prototype, so that a key "__proto__" is a key like any other
  // (on {} the assignment would change the object's prototype and vanish).
  const metadata: Record<string, string> = Object.create(null);
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        fail(where, "__metadata__ must be an object of strings");
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string")
          fail(where, `__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== "object" || info === null || Array.isArray(info))
      fail(where, `tensor "${name}": expected {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
    if (!isDtype(info.dtype)) {
      fail(
        where,
        `tensor "${name}": unknown dtype ${JSON.stringify(info.dtype)} (known: ${Object.keys(DTYPE_SIZES).join(", ")})`,
      );
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(
        where,
        `tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    const offs = info.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      offs[0] > offs[1]
    ) {
      fail(
        where,
        `tensor "${name}": data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offs)}`,
      );
    }
    const [begin, end] = offs as [number, number];
    const expected = numel(shape) * DTYPE_SIZES[info.dtype];
    if (!Number.isSafeInteger(expected))
      fail(where, `tensor "${name}": shape [${shape.join(", ")}] has more elements than a file can hold`);
    if (end - begin !== expected) {
      fail(
        where,
        `tensor "${name}": shape [${shape.join(", ")}] of ${info.dtype} needs ${expected} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    entries.push({ name, dtype: info.dtype, shape: shape as number[], begin, end });
  }

  // The byte ranges must tile the data buffer: no overlap, no hole, nothing past the end.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: (typeof sorted)[number] | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) {
      fail(
        where,
        `overlapping offsets: tensor "${e.name}" [${e.begin}, ${e.end}) overlaps tensor "${prev?.name}" [${prev?.begin}, ${prev?.end})`,
      );
    }
    if (e.begin > cursor)
      fail(
        where,
        `hole in the data buffer: bytes [${cursor}, ${e.begin}) belong to no tensor (before "${e.name}")`,
      );
    if (e.end > data.length) {
      fail(
        where,
        `truncated file: tensor "${e.name}" ends at data byte ${e.end}, but the data buffer has only ${data.length} bytes`,
      );
    }
    cursor = e.end;
    prev = e;
  }
  if (cursor !== data.length) {
    fail(
      where,
      `the data buffer has ${data.length} bytes but the tensors cover only ${cursor} (trailing bytes)`,
    );
  }

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries)
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: data.slice(e.begin, e.end) });
  return { tensors, metadata };
}

// The offset of the first byte that is not part of a well-formed UTF-8
// character (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
function firstBadUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    // [length, lowest allowed second byte, highest allowed second byte]
    const [len, lo, hi] =
      c < 0x80
        ? [1, 0, 0]
        : c >= 0xc2 && c <= 0xdf
          ? [2, 0x80, 0xbf]
          : c === 0xe0
            ? [3, 0xa0, 0xbf]
            : c === 0xed
              ? [3, 0x80, 0x9f]
              : c >= 0xe1 && c <= 0xef
                ? [3, 0x80, 0xbf]
                : c === 0xf0
                  ? [4, 0x90, 0xbf]
                  : c === 0xf4
                    ? [4, 0x80, 0x8f]
                    : c >= 0xf1 && c <= 0xf3
                      ? [4, 0x80, 0xbf]
                      : [0, 0, 0];
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const d = b[i + k];
      const ok = d !== undefined && (k === 1 ? d >= lo && d <= hi : d >= 0x80 && d <= 0xbf);
      if (!ok) return i;
    }
    i += len;
  }
  return b.length;
}

// The first key that appears twice in one object of a valid JSON text, with
// the object it is in ("tensor \"x\"", "__metadata__", or undefined for the
// top level) and its character offset. JSON.parse cannot tell us: it keeps
// the last value. A scan over strings and brackets is enough, because
// JSON.parse has already checked the syntax.
function duplicateKey(text: string): { key: string; inside?: string; at: number } | undefined {
  const stack: { keys: Set<string> | null; name?: string }[] = []; // null: an array
  let pendingKey: string | undefined; // the last key read, naming the value that follows
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const top = stack.at(-1);
      // A string is a key if it is followed by ':' (whitespace allowed).
      let j = i + 1;
      while (text[j] === " " || text[j] === "\t" || text[j] === "\n" || text[j] === "\r") j++;
      if (top?.keys && text[j] === ":") {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) return { key, inside: top.name, at: start };
        top.keys.add(key);
        pendingKey = key;
      }
    } else if (c === "{" || c === "[") {
      // Name the object for the message: top-level values are tensors (or __metadata__).
      const name =
        stack.length === 1 && pendingKey !== undefined
          ? pendingKey === "__metadata__"
            ? "__metadata__"
            : `tensor ${JSON.stringify(pendingKey)}`
          : stack.at(-1)?.name;
      stack.push({ keys: c === "{" ? new Set() : null, name });
    } else if (c === "}" || c === "]") stack.pop();
  }
  return undefined;
}

// A float32 tensor as a Float32Array (other dtypes are refused, by name).
export function asFloat32(t: SafeTensor, name: string): Float32Array {
  if (t.dtype !== "F32")
    throw new UserError(`safetensors: tensor "${name}" is ${t.dtype}; this course reads F32 weights only`);
  return new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4);
}

export interface TensorToWrite {
  dtype: Dtype;
  shape: readonly number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

// Writes tensors in the order given, contiguously. The header is padded with
// spaces to a multiple of 8 bytes, as the reference writer does, so that every
// tensor's data starts 8-byte aligned when the file is memory-mapped.
export function writeSafetensors(
  tensors: Iterable<[string, TensorToWrite]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  // A null prototype: a tensor or metadata key "__proto__" is written like any other.
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__")
      throw new Error(`safetensors: "__metadata__" is reserved and cannot name a tensor`);
    if (Object.hasOwn(header, name)) throw new Error(`safetensors: duplicate tensor name "${name}"`);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const expected = numel(t.shape) * DTYPE_SIZES[t.dtype];
    if (bytes.length !== expected) {
      throw new Error(
        `safetensors: tensor "${name}": shape [${t.shape.join(", ")}] of ${t.dtype} needs ${expected} bytes, the data has ${bytes.length}`,
      );
    }
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) headerBytes = enc.encode(json + " ".repeat(pad));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
