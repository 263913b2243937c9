// The subset construction: a Thompson NFA becomes a DFA over bytes and calls.
//
// A DFA state is a set of NFA states closed under ε. From set S, reading byte b
// leads to closure({t : s --b--> t, s ∈ S}); a call edge to rule R is one more
// letter of the alphabet, "R's language", and is determinized the same way. The
// table `next` holds every byte's successor, so stepping the automaton is one
// array read (the thing a mask computation does millions of times).

import type { Nfa } from "./nfa.ts";

export interface RuleDfa {
  size: number; // number of states; state 0 is the start
  next: Int32Array; // [size·256]: the state after reading byte b in state s, −1 = dead
  calls: { rule: number; to: number }[][]; // per state: the rules it may call, and where it returns
  accept: Uint8Array; // [size]: 1 where the rule's language may end
  terminal: Uint8Array; // [size]: accepting with no way on (a `}` or `]` just read)
}

export function determinize(nfa: Nfa, start: number, accept: number): RuleDfa {
  const closure = (seed: number[]): number[] => {
    const seen = new Set(seed);
    const work = [...seed];
    while (work.length > 0) {
      for (const t of nfa.eps[work.pop() as number]) {
        if (!seen.has(t)) {
          seen.add(t);
          work.push(t);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  };
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const intern = (s: number[]): number => {
    const key = s.join(",");
    let id = ids.get(key);
    if (id === undefined) {
      id = sets.length;
      ids.set(key, id);
      sets.push(s);
    }
    return id;
  };
  intern(closure([start]));
  const rows: Int32Array[] = [];
  const calls: { rule: number; to: number }[][] = [];
  for (let d = 0; d < sets.length; d++) {
    const byByte: number[][] = Array.from({ length: 256 }, () => []);
    const byRule = new Map<number, number[]>();
    for (const s of sets[d]) {
      for (const e of nfa.edges[s]) for (let b = e.lo; b <= e.hi; b++) byByte[b].push(e.to);
      for (const c of nfa.calls[s]) byRule.set(c.rule, [...(byRule.get(c.rule) ?? []), c.to]);
    }
    const row = new Int32Array(256).fill(-1);
    for (let b = 0; b < 256; b++) if (byByte[b].length > 0) row[b] = intern(closure(byByte[b]));
    rows.push(row);
    calls.push([...byRule].map(([rule, tos]) => ({ rule, to: intern(closure(tos)) })));
  }
  const size = sets.length;
  const next = new Int32Array(size * 256);
  rows.forEach((row, s) => next.set(row, s * 256));
  const acceptArr = Uint8Array.from(sets, (s) => (s.includes(accept) ? 1 : 0));
  const terminal = new Uint8Array(size);
  for (let s = 0; s < size; s++) {
    const wayOn = calls[s].length > 0 || rows[s].some((t) => t >= 0);
    terminal[s] = acceptArr[s] && !wayOn ? 1 : 0;
  }
  return { size, next, calls, accept: acceptArr, terminal };
}
