// A toy "model" for beam search: a fixed table of next-token logits given the
// prefix. Small enough that every sequence can be enumerated (brute-force.ts),
// so beam search's answer can be checked against the true best.

import { Rng } from "@llm-labs/tensor";

export type NextLogits = (seq: readonly number[]) => Float32Array;

// Logits for every prefix, drawn once per prefix from a seeded Rng (a hash of
// the prefix seeds it), so the same prefix always gets the same row.
export function tableModel(vocabSize: number, seed: number, scale = 3): NextLogits {
  const rows = new Map<string, Float32Array>();
  return (seq) => {
    const key = seq.join(",");
    let row = rows.get(key);
    if (!row) {
      let h = seed;
      for (const t of seq) h = (Math.imul(h ^ (t + 1), 0x9e3779b1) + 0x7f4a7c15) | 0;
      const rng = new Rng(h >>> 0);
      row = Float32Array.from({ length: vocabSize }, () => (rng.next() * 2 - 1) * scale);
      rows.set(key, row);
    }
    return row;
  };
}

// An explicit table: rows[prefix joined by ","] are the logits; missing rows are uniform.
export function explicitModel(vocabSize: number, rows: Record<string, number[]>): NextLogits {
  return (seq) => Float32Array.from(rows[seq.join(",")] ?? new Array(vocabSize).fill(0));
}

export function logSoftmax64(x: Float32Array): Float64Array {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return Float64Array.from(x, (v) => v - lse);
}
