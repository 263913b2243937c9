// Jump-forward decoding (Zheng et al. 2024, SGLang §3.3): when the automaton
// allows exactly one next byte, the model has no choice to make, so do not ask it.
//
//   forced(frame) = b₁ b₂ … b_k   while the output may not end here and exactly one
//                                  byte keeps the automaton alive
//
// After `{"name":` in a schema that starts with `name`, nothing is forced, but at
// the start `{"name":"` is: nine bytes the decoder writes itself. They are cut into
// tokens by the longest token that fits at each position (a trie lookup) and go
// into the model as one forward pass over several positions, instead of one pass
// each. What that saves is the calls; the tokens still enter the KV cache.
//
// (SGLang re-tokenizes the text so far after a jump, because BPE would have cut it
// differently; the longest match here is the simple version of that.)

import type { Grammar } from "./grammar.ts";
import { type Frame, isComplete, liveBytes, stepByte } from "./pushdown.ts";
import type { Trie } from "./trie.ts";

export function forcedBytes(g: Grammar, frame: Frame): Uint8Array {
  const out: number[] = [];
  let f: Frame | null = frame;
  while (f !== null && !isComplete(g, f)) {
    const live = liveBytes(g, f);
    if (live.length !== 1) break;
    out.push(live[0]);
    f = stepByte(g, f, live[0]);
  }
  return Uint8Array.from(out);
}

// bytes as tokens, each the longest token the trie has at that position.
export function longestMatchTokens(trie: Trie, bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    let node = 0;
    let best = -1;
    let bestLen = 0;
    for (let j = i; j < bytes.length; j++) {
      let c = node + 1;
      while (c < trie.end[node] && trie.label[c] !== bytes[j]) c = trie.end[c];
      if (c >= trie.end[node]) break;
      node = c;
      if (trie.tokenStart[node + 1] > trie.tokenStart[node]) {
        best = trie.tokens[trie.tokenStart[node]];
        bestLen = j - i + 1;
      }
    }
    if (best < 0) throw new Error(`no token starts with byte ${bytes[i]}`);
    ids.push(best);
    i += bestLen;
  }
  return ids;
}
