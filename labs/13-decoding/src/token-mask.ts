// From the byte automaton to a token mask.
//
// A token is allowed iff feeding its bytes keeps the automaton alive:
//
//   mask[t] = 1  ⇔  step(…step(step(frame, b₁), b₂)…, b_n) ≠ dead,   bytes(t) = b₁ … b_n
//
// plus the stop tokens where the output may end. Walking every token separately
// costs Σ|token| steps (about a million on Qwen3); walking the trie (trie.ts) costs
// one step per live prefix, and a dead prefix prunes its whole subtree.
//
// The mask is a bitmask, XGrammar's layout: Int32Array [⌈V/32⌉], token t is
// bit t mod 32 of word ⌊t/32⌋, 1 = allowed.

import type { Grammar } from "./grammar.ts";
import { CALLER, type Frame, isComplete, stepByte } from "./pushdown.ts";
import type { Trie } from "./trie.ts";
import type { Vocab } from "./vocab.ts";

export const maskWords = (vocabSize: number) => Math.ceil(vocabSize / 32);
export const setBit = (m: Int32Array, t: number) => {
  m[t >> 5] |= 1 << (t & 31);
};
export const hasBit = (m: Int32Array, t: number) => ((m[t >>> 5] >>> (t & 31)) & 1) === 1;

export function countBits(m: Int32Array): number {
  let n = 0;
  for (let w of m) {
    w -= (w >>> 1) & 0x55555555;
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

export function maskToIds(m: Int32Array, vocabSize: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < vocabSize; t++) if (hasBit(m, t)) out.push(t);
  return out;
}

// Every token whose bytes the automaton accepts from `start` goes to allow(id).
// When `start` stands below CALLER (mask-cache.ts) and a prefix pops the rule,
// the rest of that subtree depends on the caller: leftAt(node) gets it instead.
export function walkTrie(
  g: Grammar,
  trie: Trie,
  start: Frame,
  allow: (id: number) => void,
  leftAt?: (node: number) => void,
): void {
  // #region exercise token-mask
  const todo: [node: number, frame: Frame][] = [[0, start]];
  while (todo.length > 0) {
    const [n, f] = todo.pop() as [number, Frame];
    for (let c = n + 1; c < trie.end[n]; c = trie.end[c]) {
      const next = stepByte(g, f, trie.label[c]);
      if (next === null) continue;
      for (let k = trie.tokenStart[c]; k < trie.tokenStart[c + 1]; k++) allow(trie.tokens[k]);
      if (next === CALLER) leftAt?.(c);
      else todo.push([c, next]);
    }
  }
  // #endregion
}

// The mask at `frame`, computed from scratch (mask-cache.ts precomputes it).
export function tokenMask(g: Grammar, v: Vocab, trie: Trie, frame: Frame): Int32Array {
  const mask = new Int32Array(maskWords(v.size));
  walkTrie(g, trie, frame, (id) => setBit(mask, id));
  if (isComplete(g, frame)) for (const s of v.stop) setBit(mask, s);
  return mask;
}
