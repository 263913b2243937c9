// Magnitude pruning (Han et al. 2015, "Learning both Weights and Connections"):
// the smallest |w| matter least, so remove them. The simplest baseline, and the
// one every LLM pruning paper compares against.
//
//   per layer:  in each weight matrix, remove the floor(p·n) smallest |w|
//   global:     one threshold over every linear layer at once, so a layer with
//               small weights can lose far more than p (and a loud one far less)

import { checkSparsity, pruneCount, type Mask } from "./mask.ts";

// The mask that removes the floor(p·n) lowest scores (ties at the threshold go in
// index order, so exactly that many are removed and the result is deterministic).
export function lowestMask(scores: ArrayLike<number>, p: number): Mask {
  checkSparsity(p, "lowestMask");
  const n = scores.length;
  const k = pruneCount(p, n);
  const keep = new Uint8Array(n).fill(1);
  // #region exercise magnitude-mask
  if (k === 0) return keep;
  const sorted = Float64Array.from(scores).sort();
  const t = sorted[k - 1];
  let pruned = 0;
  for (let i = 0; i < n; i++)
    if (scores[i] < t) {
      keep[i] = 0;
      pruned++;
    }
  for (let i = 0; i < n && pruned < k; i++)
    if (scores[i] === t) {
      keep[i] = 0;
      pruned++;
    }
  // #endregion
  return keep;
}

const absolute = (w: ArrayLike<number>) => Float64Array.from(w as ArrayLike<number>, Math.abs);

// Per layer: remove the smallest p of this matrix's |w|.
export function magnitudeMask(w: ArrayLike<number>, p: number): Mask {
  return lowestMask(absolute(w), p);
}

// Global: one threshold over all matrices; returns one mask per matrix.
export function globalMagnitudeMasks(ws: ArrayLike<number>[], p: number): Mask[] {
  const total = ws.reduce((n, w) => n + w.length, 0);
  const all = new Float64Array(total);
  let o = 0;
  for (const w of ws) {
    for (let i = 0; i < w.length; i++) all[o + i] = Math.abs(w[i]);
    o += w.length;
  }
  const keep = lowestMask(all, p);
  o = 0;
  return ws.map((w) => {
    const m = keep.slice(o, o + w.length);
    o += w.length;
    return m;
  });
}
