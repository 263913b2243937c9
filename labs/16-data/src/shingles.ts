// Shingles: the sets that near-duplicate detection compares.
//
// Broder (1997) turns a document into the set S(d) of its contiguous k-grams
// ("shingles") and measures resemblance by their Jaccard similarity
//
//   J(A, B) = |S(A) ∩ S(B)| / |S(A) ∪ S(B)|.
//
// A k-gram of WHAT? For English the answer is words (FineWeb uses word 5-grams).
// Chinese has no spaces, so "words split on spaces" makes a whole paragraph one
// word, and two paragraphs that differ in one character share no shingle at all.
// The fix is to count every Han character as a unit of its own (a character is
// roughly a morpheme) and every run of Latin letters or digits as one unit. Then
// a k-gram of units is a phrase in both scripts, and a bilingual story's shingles
// cover its English and its Chinese alike. Everything else (spaces, punctuation,
// the full-width 。，“”) separates units and is not part of them, so re-punctuating
// a copy does not hide it.
//
// The units are hashed as they are read (FNV-1a, 32 bits, on UTF-16 code units,
// with ASCII lower-cased) so the hot path allocates no strings; a shingle is the
// k unit hashes folded into one 32-bit value.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// The CJK Unified Ideographs block and its Extension A: every Han character the
// course's text uses. (Extensions B+ live outside the BMP, as surrogate pairs.)
export const isHan = (c: number): boolean => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);

// Letters and digits of the Latin scripts (ASCII, Latin-1 and Latin Extended-A/B,
// so French, German and Spanish words stay whole); the rest separates.
export const isWordChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7);

const lower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

// FNV-1a: h ← (h XOR byte) · p, here over code units; one step of it.
export const fnvStep = (h: number, c: number): number => Math.imul(h ^ c, FNV_PRIME) >>> 0;

// The 32-bit finalizer of MurmurHash3: a bijection on 32-bit values that lets
// every input bit flip about half the output bits, so nearby values hash far apart.
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// The hash of one unit written out, for tests and for readers: FNV-1a of its
// lower-cased code units.
export function unitHash(unit: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < unit.length; i++) h = fnvStep(h, lower(unit.charCodeAt(i)));
  return h;
}

// The units of a text, hashed, in order, with their lengths in characters and
// whether each is a Han character: what the shingles and the quality rules read.
export interface Units {
  n: number;
  hash: Uint32Array; // [n]
  len: Uint16Array; // [n], code units
  han: Uint8Array; // [n], 1 for a Han character, 0 for a Latin word
}

// One scratch buffer, grown when a document needs more: the pipeline calls this
// once per document, and fresh arrays each time would be most of its garbage.
const scratch: Units = {
  n: 0,
  hash: new Uint32Array(1 << 14),
  len: new Uint16Array(1 << 14),
  han: new Uint8Array(1 << 14),
};

// Appends one unit; returns the new count.
function push(u: Units, n: number, h: number, len: number, han: number): number {
  u.hash[n] = h;
  u.len[n] = Math.min(len, 65535);
  u.han[n] = han;
  return n + 1;
}

// Scans `text` once. The result is the scratch buffer, valid until the next call
// (copy it with copyUnits to keep it).
export function scanUnits(text: string): Units {
  const u = scratch;
  if (u.hash.length < text.length) {
    u.hash = new Uint32Array(text.length * 2);
    u.len = new Uint16Array(text.length * 2);
    u.han = new Uint8Array(text.length * 2);
  }
  let n = 0;
  let h = FNV_OFFSET; // the hash of the word being read
  let len = 0; // its length so far; 0 between words
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // #region exercise shingles
    if (isWordChar(c)) {
      h = fnvStep(h, lower(c));
      len++;
      continue;
    }
    if (len > 0) n = push(u, n, h, len, 0);
    h = FNV_OFFSET;
    len = 0;
    if (isHan(c)) n = push(u, n, fnvStep(FNV_OFFSET, c), 1, 1);
    // #endregion
  }
  n = len > 0 ? push(u, n, h, len, 0) : n; // a word that ends the text
  u.n = n;
  return u;
}

export const copyUnits = (u: Units): Units => ({
  n: u.n,
  hash: u.hash.slice(0, u.n),
  len: u.len.slice(0, u.n),
  han: u.han.slice(0, u.n),
});

// The shingle hashes of `text`: one per window of k consecutive units, [n − k + 1]
// (a text with fewer than k units but at least one is one shingle of all it has,
// so a short document is not an empty set, which would match every other empty one).
//
//   shingle_i = fmix32(fold_{j = 0 … k−1} (acc · 31 + u_{i+j}))
export function shingleHashes(text: string | Units, k: number): Uint32Array {
  const units = typeof text === "string" ? scanUnits(text) : text;
  const u = units.hash;
  const n = units.n;
  if (n === 0) return new Uint32Array(0);
  const w = Math.min(k, n);
  const out = new Uint32Array(n - w + 1);
  for (let i = 0; i + w <= n; i++) {
    // #region exercise shingles
    let acc = 0;
    for (let j = 0; j < w; j++) acc = (Math.imul(acc, 31) + u[i + j]) >>> 0;
    out[i] = fmix32(acc);
    // #endregion
  }
  return out;
}

// Exact Jaccard similarity of two shingle multisets, as sets: the ground truth
// the MinHash estimate is measured against.
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  const A = new Set(a);
  const B = new Set(b);
  if (A.size === 0 && B.size === 0) return 1;
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  return inter / (A.size + B.size - inter);
}
