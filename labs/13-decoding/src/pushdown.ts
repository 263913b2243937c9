// The byte automaton: a stack of (rule, state) frames, stepped one byte at a time.
//
// A DFA alone cannot count brackets; a stack can. The top frame is the rule being
// read. One byte b moves it in one of three ways (grammar.ts makes sure at most one
// applies):
//
//   shift   the top rule has an edge on b:            (R, s) → (R, next[s][b])
//   call    the top state calls rule Q and b can start Q:
//           (R, s) → (R, return state) below (Q, 0), then shift b in Q
//   return  a nested rule that has just read its last byte (terminal: a `}` or `]`)
//           is popped at once, and its caller goes on from the return state
//           (grammar.ts makes sure that state is never terminal: one pop is all)
//
// A byte that fits none of them kills the automaton (null). Frames are immutable,
// so a trie walk can keep a frame per depth and backtrack for free.

import type { Grammar } from "./grammar.ts";

export interface Frame {
  readonly rule: number;
  readonly state: number;
  readonly up: Frame | null; // the caller; null below the root
}

// Stands in for "whatever called this rule" when masks are precomputed for a rule
// state alone (mask-cache.ts): a walk that pops into it has left the rule.
export const CALLER: Frame = { rule: -1, state: -1, up: null };

export function startFrame(): Frame {
  return { rule: 0, state: 0, up: null };
}

export function stepByte(g: Grammar, f: Frame, b: number): Frame | null {
  // #region exercise automaton-step
  const rule = g.rules[f.rule];
  const t = rule.next[f.state * 256 + b];
  if (t >= 0) {
    const top: Frame = { rule: f.rule, state: t, up: f.up };
    if (top.up !== null && g.rules[top.rule].terminal[top.state]) return top.up;
    return top;
  }
  for (const c of rule.calls[f.state]) {
    if (g.first[c.rule][b]) {
      const caller: Frame = { rule: f.rule, state: c.to, up: f.up };
      return stepByte(g, { rule: c.rule, state: 0, up: caller }, b);
    }
  }
  return null;
  // #endregion
}

// Feed bytes[from…] in order; null as soon as one is refused.
export function feed(g: Grammar, f: Frame | null, bytes: Uint8Array, from = 0): Frame | null {
  for (let i = from; i < bytes.length && f !== null; i++) f = stepByte(g, f, bytes[i]);
  return f;
}

// The output may end here: only the root is left and it is in an accepting state.
export function isComplete(g: Grammar, f: Frame): boolean {
  return f.up === null && f.rule >= 0 && g.rules[f.rule].accept[f.state] === 1;
}

// The bytes that keep the automaton alive from f.
export function liveBytes(g: Grammar, f: Frame): number[] {
  const out: number[] = [];
  for (let b = 0; b < 256; b++) if (stepByte(g, f, b) !== null) out.push(b);
  return out;
}
