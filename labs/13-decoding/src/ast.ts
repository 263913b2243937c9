// The language of a grammar rule as a tree, before it becomes an automaton.
//
// Every leaf is a set of BYTES, never of characters: the automaton this lab
// builds reads the bytes of UTF-8 text one at a time, because a BPE token is a
// byte string and may end in the middle of a character (lab 01). A character
// class that reaches past ASCII becomes several byte sequences (char-class.ts).
//
//   set      one byte out of a set of ranges [lo, hi]
//   seq      the items one after another
//   alt      one of the items
//   repeat   item{min,max}, max = Infinity for * and +
//   call     the language of another rule: the pushdown part (JSON's nesting)

export type ByteRange = readonly [lo: number, hi: number];

export type Node =
  | { kind: "set"; ranges: ByteRange[] }
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; items: Node[] }
  | { kind: "repeat"; item: Node; min: number; max: number }
  | { kind: "call"; rule: number };

export const set = (...ranges: ByteRange[]): Node => ({ kind: "set", ranges });
export const byte = (b: number): Node => set([b, b]);
export const seq = (...items: Node[]): Node => ({ kind: "seq", items });
export const alt = (...items: Node[]): Node => ({ kind: "alt", items });
export const repeat = (item: Node, min: number, max: number): Node => ({ kind: "repeat", item, min, max });
export const star = (item: Node): Node => repeat(item, 0, Infinity);
export const optional = (item: Node): Node => repeat(item, 0, 1);
export const call = (rule: number): Node => ({ kind: "call", rule });
export const EMPTY: Node = seq();

// A literal string: its UTF-8 bytes in a row.
export function literal(text: string): Node {
  return seq(...Array.from(new TextEncoder().encode(text), byte));
}
