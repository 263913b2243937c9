// A grammar as this lab runs it: one DFA per rule, rules calling rules.
//
// A regex is a grammar with one rule and no calls. A JSON schema has a rule per
// object and per array, so a value that is itself an object is a call. That is
// a pushdown automaton (pushdown.ts), and it is deterministic when, in every
// state, the bytes that can start each call and the state's own bytes are all
// different: then one byte of input says which way to go. JSON gives that for
// free (an object starts with `{`, an array with `[`), and compile checks it.

import { UserError } from "@llm-labs/kit";
import type { Node } from "./ast.ts";
import { determinize, type RuleDfa } from "./dfa.ts";
import { Nfa } from "./nfa.ts";
import { parseRegex } from "./regex.ts";

export interface Grammar {
  rules: RuleDfa[]; // rule 0 is the root
  first: Uint8Array[]; // per rule [256]: 1 for the bytes its language can start with
  source: string; // what it was compiled from, for messages
}

export const MAX_RULE_STATES = 20_000;

export function compileRules(bodies: Node[], source: string): Grammar {
  const rules = bodies.map((body) => {
    const nfa = new Nfa();
    const [start, end] = [nfa.state(), nfa.state()];
    nfa.build(body, start, end);
    const dfa = determinize(nfa, start, end);
    if (dfa.size > MAX_RULE_STATES)
      throw new UserError(`${source}: the automaton has ${dfa.size} states, more than ${MAX_RULE_STATES}`);
    return dfa;
  });
  rules.forEach((r, i) => {
    for (const calls of r.calls)
      for (const c of calls)
        if (c.rule < 0 || c.rule >= rules.length)
          throw new UserError(`${source}: rule ${i} calls rule ${c.rule}, which does not exist`);
  });
  // first(R): the bytes out of R's start state, and those of the rules it calls there, to a fixed point.
  const first = rules.map((r) => Uint8Array.from(r.next.subarray(0, 256), (t) => (t >= 0 ? 1 : 0)));
  for (let changed = true; changed; ) {
    changed = false;
    rules.forEach((r, i) => {
      for (const c of r.calls[0])
        for (let b = 0; b < 256; b++)
          if (first[c.rule][b] && !first[i][b]) {
            first[i][b] = 1;
            changed = true;
          }
    });
  }
  const g: Grammar = { rules, first, source };
  checkDeterministic(g);
  return g;
}

// The checks that make pushdown.ts's one-byte decisions, and mask-cache.ts's
// per-state masks, sound:
//
//   - a nested rule ends exactly when it can go no further (terminal), so a pop
//     never has to guess, and it never accepts the empty string;
//   - rule 0 is never called: its masks are computed with nothing below it;
//   - a nested rule's return state is never terminal: a pop lands on a caller that
//     still has bytes to read, so it pops once, and mask-cache.ts can feed a
//     context-dependent token's rest straight to the caller's frame;
//   - in every state, the bytes of each call and the state's own bytes differ.
function checkDeterministic(g: Grammar): void {
  g.rules.forEach((r, i) => {
    if (i > 0 && r.accept[0]) throw new UserError(`${g.source}: rule ${i} accepts the empty string`);
    for (let s = 0; s < r.size; s++) {
      if (i > 0 && r.accept[s] && !r.terminal[s])
        throw new UserError(`${g.source}: rule ${i} may end or go on in state ${s}`);
      const taken = Uint8Array.from(r.next.subarray(s * 256, s * 256 + 256), (t) => (t >= 0 ? 1 : 0));
      for (const c of r.calls[s]) {
        if (c.rule === 0)
          throw new UserError(`${g.source}: rule ${i} calls rule 0, the root, which nothing may call`);
        if (i > 0 && r.terminal[c.to])
          throw new UserError(
            `${g.source}: rule ${i} ends right after its call of rule ${c.rule} (state ${s}); ` +
              `a nested rule must read a byte of its own after a call`,
          );
        for (let b = 0; b < 256; b++) {
          if (g.first[c.rule][b] && taken[b])
            throw new UserError(
              `${g.source}: two ways to read byte ${b} in one state (an ambiguous grammar)`,
            );
          taken[b] |= g.first[c.rule][b];
        }
      }
    }
  });
}

export function compileRegex(pattern: string): Grammar {
  return compileRules([parseRegex(pattern)], `regex /${pattern}/`);
}
