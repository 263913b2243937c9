// A trie over the vocabulary's byte strings.
//
// Tokens that share a prefix share the automaton's work on it: "Ġthe", "Ġthere"
// and "Ġtherefore" are walked once up to "Ġthe". And when a prefix is refused,
// every token below it is refused without a look. On Qwen3's 151k tokens the
// trie has about as many nodes as the vocabulary has bytes.
//
// Layout, in depth-first order: node 0 is the root (the empty prefix); the
// subtree of node n is the nodes n … end[n] − 1, so its first child is n + 1 and
// the next sibling of a child c is end[c]. label[c] is the byte that leads to c.
// The ids of the tokens whose bytes end exactly at n are
// tokens[tokenStart[n] … tokenStart[n + 1] − 1], so the tokens of a whole subtree
// are the one slice tokenStart[n] … tokenStart[end[n]] − 1.

import type { Vocab } from "./vocab.ts";

export interface Trie {
  nodes: number;
  label: Uint8Array; // [nodes]
  depth: Int32Array; // [nodes] the prefix length
  end: Int32Array; // [nodes] one past the last node of the subtree
  tokenStart: Int32Array; // [nodes + 1]
  tokens: Int32Array; // token ids, grouped by node
}

export function buildTrie(v: Vocab): Trie {
  // Sorted byte strings are the trie's depth-first order: each token adds the nodes
  // of its bytes past the prefix it shares with the token before it, and a token
  // ends at the last node on that path. Latin-1 keys (one char per byte) make
  // JavaScript's string sort a byte sort.
  const ids: number[] = [];
  const keys: string[] = [];
  let bytesTotal = 0;
  for (let id = 0; id < v.size; id++) {
    const b = v.bytes[id];
    if (b === null || b.length === 0) continue;
    ids.push(id);
    keys[id] = String.fromCharCode(...b);
    bytesTotal += b.length;
  }
  ids.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
  const cap = bytesTotal + 1;
  const label = new Uint8Array(cap);
  const depth = new Int32Array(cap);
  const end = new Int32Array(cap);
  const endNode = new Int32Array(ids.length); // [tokens] where each sorted token ends
  const path = [0]; // path[d]: the node of the current prefix of length d
  let n = 1;
  let prev = "";
  ids.forEach((id, k) => {
    const key = keys[id];
    let lcp = 0;
    while (lcp < key.length && lcp < prev.length && key.charCodeAt(lcp) === prev.charCodeAt(lcp)) lcp++;
    while (path.length - 1 > lcp) end[path.pop() as number] = n; // leave the previous token's branch
    for (let d = lcp; d < key.length; d++) {
      label[n] = key.charCodeAt(d);
      depth[n] = d + 1;
      path.push(n++);
    }
    endNode[k] = path[path.length - 1];
    prev = key;
  });
  while (path.length > 0) end[path.pop() as number] = n;
  // In depth-first order the end nodes never decrease, so node m's tokens start at
  // the first sorted token that ends at m or after it.
  const tokenStart = new Int32Array(n + 1);
  let k = 0;
  for (let m = 0; m <= n; m++) {
    while (k < ids.length && endNode[k] < m) k++;
    tokenStart[m] = k;
  }
  return {
    nodes: n,
    label: label.slice(0, n),
    depth: depth.slice(0, n),
    end: end.slice(0, n),
    tokenStart,
    tokens: Int32Array.from(ids),
  };
}
