// Masks precomputed once per automaton state: XGrammar's adaptive token mask cache.
//
// For a DFA (a regex) the mask depends only on the state, so computing it once per
// state at compile time leaves one copy per decoding step. A pushdown automaton's
// mask depends on the whole stack, but most of it depends only on the top frame
// (Dong et al. 2024, §3.1): a token that stays inside the top rule, or leaves it
// exactly at its last byte, is "context-independent". Only a token that pops the
// rule and goes on (`"}`, `}]`, `},"`) needs the caller. So per (rule, state):
//
//   accepted     the context-independent tokens that are allowed: a bitmask
//   uncertain    the context-dependent ones, each with the byte offset where it
//                leaves the rule; at run time their remaining bytes are fed to the
//                caller's frame, and only those that survive are added
//
// On JSON, uncertain tokens are the few that contain a closing bracket followed by
// more text, so a step costs one copy of the mask plus a short list.

import type { Grammar } from "./grammar.ts";
import { CALLER, type Frame, feed, isComplete } from "./pushdown.ts";
import { maskWords, setBit, walkTrie } from "./token-mask.ts";
import { buildTrie, type Trie } from "./trie.ts";
import type { Vocab } from "./vocab.ts";

interface StateMask {
  accepted: Int32Array; // [⌈V/32⌉]
  uncertain: Int32Array; // token ids that leave the rule before they end
  offsets: Int32Array; // where each one leaves it
}

export class CompiledGrammar {
  readonly states: StateMask[][]; // [rule][state]
  readonly compileMs: number;
  uncertainTotal = 0;

  constructor(
    readonly grammar: Grammar,
    readonly vocab: Vocab,
    readonly trie: Trie = buildTrie(vocab),
  ) {
    const t0 = performance.now();
    this.states = grammar.rules.map((r, rule) =>
      Array.from({ length: r.size }, (_, state) => this.precompute(rule, state)),
    );
    this.compileMs = performance.now() - t0;
  }

  private precompute(rule: number, state: number): StateMask {
    const g = this.grammar;
    const accepted = new Int32Array(maskWords(this.vocab.size));
    const uncertain: number[] = [];
    const offsets: number[] = [];
    // The root is never called, so it has no caller to leave to; every other rule might.
    const start: Frame = { rule, state, up: rule === 0 ? null : CALLER };
    const t = this.trie;
    walkTrie(
      g,
      t,
      start,
      (id) => setBit(accepted, id),
      (node) => {
        for (let k = t.tokenStart[node + 1]; k < t.tokenStart[t.end[node]]; k++) {
          uncertain.push(t.tokens[k]);
          offsets.push(t.depth[node]);
        }
      },
    );
    if (rule === 0 && g.rules[0].accept[state]) for (const s of this.vocab.stop) setBit(accepted, s);
    this.uncertainTotal += uncertain.length;
    return { accepted, uncertain: Int32Array.from(uncertain), offsets: Int32Array.from(offsets) };
  }

  // The mask at `frame`: the cached part, and the uncertain tokens checked against the caller.
  mask(frame: Frame): Int32Array {
    const entry = this.states[frame.rule][frame.state];
    const mask = entry.accepted.slice();
    if (frame.up !== null && entry.uncertain.length > 0) {
      for (let i = 0; i < entry.uncertain.length; i++) {
        const id = entry.uncertain[i];
        const bytes = this.vocab.bytes[id] as Uint8Array;
        const after = feed(this.grammar, frame.up, bytes, entry.offsets[i]);
        if (after !== null) setBit(mask, id);
      }
    }
    return mask;
  }

  isComplete(frame: Frame): boolean {
    return isComplete(this.grammar, frame);
  }
}
