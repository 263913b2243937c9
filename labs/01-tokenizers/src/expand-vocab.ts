// Vocabulary expansion (词表扩充), the byte-level way.
//
// LLaMA's tokenizer knew few Chinese characters: most fell back to 2 or 3
// byte tokens, so Chinese text was long, slow and expensive. Chinese-LLaMA
// (Cui, Yang and Yao 2023, arXiv 2304.08177) trained a 20,000-token
// SentencePiece model on Chinese text, merged it into LLaMA's 32,000 tokens
// (49,953 in all), and then kept pre-training so the model learned
// embeddings for the new ones.
//
// With byte-level BPE the same move is: take the base tokenizer, encode
// Chinese text with it, and keep running the BPE loop on that encoding. Every
// merge we learn this way joins two tokens the base tokenizer could not
// join, and we give it a rank after every existing merge. So:
//
//   - all old tokens keep their ids (the model's old embedding rows stay valid);
//   - the new merges only fire once no old merge can, which means text made
//     of pieces the new pairs never touch, English for instance, encodes
//     exactly as before;
//   - Chinese text gets shorter.
//
// (What this file does not do is the expensive part: teaching the model
// what the new ids mean. That is the continued pre-training.)

import { learnMerges, type LearnedMerge, type Word } from "./train.ts";
import { pairKey } from "./pairs.ts";
import { Tokenizer, type Merge } from "./tokenizer.ts";

// Pieces of `text` that contain a Han character, encoded by `base`, with their counts.
export function chineseWords(base: Tokenizer, text: string): Word[] {
  const counts = new Map<string, number>();
  for (const piece of base.pieces(text)) {
    if (/\p{Script=Han}/u.test(piece)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  }
  return [...counts].map(([piece, count]) => ({ ids: [...base.encodePiece(piece)], count }));
}

// Add `count` new tokens to `base`, learned on the Chinese pieces of `text`.
// New ids start right after the base vocabulary (special tokens included).
export function expandVocab(
  base: Tokenizer,
  text: string,
  count: number,
  onMerge?: (done: number, m: LearnedMerge) => void,
): { tokenizer: Tokenizer; added: LearnedMerge[] } {
  const firstId = base.vocabSize;
  const added = learnMerges(chineseWords(base, text), count, firstId, onMerge);
  return { tokenizer: appendMerges(base, added, `${base.name}+zh${added.length}`), added };
}

// A copy of `base` with `added` appended: token m.id is the bytes of m.a
// followed by the bytes of m.b, and merge number i gets the rank
//
//   rank = (largest rank in base) + 1 + i
//
// so it is tried only after every merge the base tokenizer already knew.
export function appendMerges(base: Tokenizer, added: readonly LearnedMerge[], name: string): Tokenizer {
  // #region exercise expand-vocab
  const tokens = base.tokens.slice();
  const merges = new Map<number, Merge>(base.merges);
  let maxRank = -1;
  for (const m of base.merges.values()) maxRank = Math.max(maxRank, m.rank);
  added.forEach((m, i) => {
    const a = tokens[m.a] ?? base.tokenBytes(m.a);
    const b = tokens[m.b] ?? base.tokenBytes(m.b);
    const bytes = new Uint8Array(a.length + b.length);
    bytes.set(a);
    bytes.set(b, a.length);
    tokens[m.id] = bytes;
    merges.set(pairKey(m.a, m.b), { rank: maxRank + 1 + i, id: m.id });
  });
  return new Tokenizer({
    name,
    tokens,
    merges,
    preTokenize: base.preTokenize,
    normalize: base.normalize,
    special: base.special,
    ignoreMerges: base.ignoreMerges,
    pattern: base.pattern,
  });
  // #endregion
}

// Tokens per character: the number Chinese-LLaMA's expansion roughly halved.
export function tokensPerChar(tok: Tokenizer, text: string): number {
  return tok.encode(text).length / [...text].length;
}
