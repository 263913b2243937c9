// Thompson's construction: a byte tree (ast.ts) becomes a nondeterministic automaton.
//
// build(node, from, to) wires `node`'s language between two states:
//
//   set       from --[lo-hi]--> to            one edge per byte range
//   seq       from --a--> m1 --b--> m2 ... --z--> to
//   alt       from --a--> to, from --b--> to, ...
//   x{m,n}    m copies in a row, then n - m optional copies (an ε to `to` before each)
//   x{m,}     m copies, then a fresh state s with ε in and out and x from s back to s
//   call R    from --R--> to                   a call edge: the pushdown part
//
// Loops always go through a fresh state, so two fragments that share `from` never
// share a loop.

import type { Node } from "./ast.ts";

export interface ByteEdge {
  lo: number;
  hi: number;
  to: number;
}
export interface CallEdge {
  rule: number;
  to: number;
}

export class Nfa {
  readonly eps: number[][] = [];
  readonly edges: ByteEdge[][] = [];
  readonly calls: CallEdge[][] = [];

  state(): number {
    this.eps.push([]);
    this.edges.push([]);
    this.calls.push([]);
    return this.eps.length - 1;
  }

  epsilon(from: number, to: number): void {
    this.eps[from].push(to);
  }

  build(node: Node, from: number, to: number): void {
    switch (node.kind) {
      case "set":
        for (const [lo, hi] of node.ranges) this.edges[from].push({ lo, hi, to });
        return;
      case "call":
        this.calls[from].push({ rule: node.rule, to });
        return;
      case "alt":
        for (const item of node.items) this.build(item, from, to);
        return;
      case "seq": {
        if (node.items.length === 0) return this.epsilon(from, to);
        let cur = from;
        node.items.forEach((item, k) => {
          const next = k === node.items.length - 1 ? to : this.state();
          this.build(item, cur, next);
          cur = next;
        });
        return;
      }
      case "repeat": {
        const { item, min, max } = node;
        let cur = from;
        if (max === Infinity) {
          for (let k = 0; k < min; k++) {
            const next = this.state();
            this.build(item, cur, next);
            cur = next;
          }
          const loop = this.state();
          this.epsilon(cur, loop);
          this.build(item, loop, loop);
          this.epsilon(loop, to);
          return;
        }
        if (max === 0) return this.epsilon(from, to);
        for (let k = 0; k < max; k++) {
          const next = k === max - 1 ? to : this.state();
          if (k >= min) this.epsilon(cur, to);
          this.build(item, cur, next);
          cur = next;
        }
        return;
      }
    }
  }
}
