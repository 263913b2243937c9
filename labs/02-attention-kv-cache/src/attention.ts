// Scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need", §3.2.1):
//
//   Attention(Q, K, V) = softmax(Q·Kᵀ / √d + M) · V
//
// Q is [Tq, d] (one row per query), K and V are [Tk, d]. Every query scores every
// key with a dot product; dividing by √d keeps the scores' variance near 1 however
// wide the head is, so the softmax does not saturate into a one-hot. M is an
// additive mask: 0 where a query may look, -∞ where it may not (exp(-∞) = 0).
//
// One head, flat row-major Float32Arrays, no batching: the point is to see every
// index. multi-head.ts runs this once per head.

// The causal mask of a decoder: a token may not look at the future.
// Queries are the LAST Tq positions of a sequence of Tk, so query i sits at
// absolute position p = Tk - Tq + i and sees keys j ≤ p. With Tq = Tk this is the
// familiar lower triangle; with Tq = 1 (a decode step) nothing is masked.
//
//   M[i, j] = 0    if j ≤ Tk - Tq + i
//           = -∞   otherwise
export function causalMask(Tq: number, Tk: number): Float32Array {
  if (Tq > Tk) throw new Error(`causalMask: ${Tq} queries cannot be the last positions of only ${Tk} keys`);
  const mask = new Float32Array(Tq * Tk);
  // #region exercise causal-mask
  for (let i = 0; i < Tq; i++) {
    const p = Tk - Tq + i;
    for (let j = p + 1; j < Tk; j++) mask[i * Tk + j] = -Infinity;
  }
  // #endregion
  return mask;
}

// Returns [Tq, d]. When `probs` ([Tq, Tk]) is given, the attention weights are
// written there too (the demo draws them as a heatmap).
export function scaledDotProductAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  d: number,
  mask?: Float32Array,
  probs?: Float32Array,
): Float32Array {
  if (q.length < Tq * d || k.length < Tk * d || v.length < Tk * d) {
    throw new Error(
      `scaledDotProductAttention: q needs ${Tq}×${d}, k and v ${Tk}×${d} values; got ${q.length}, ${k.length}, ${v.length}`,
    );
  }
  const out = new Float32Array(Tq * d);
  const scores = new Float64Array(Tk); // one row at a time, in float64 like the specimen
  // #region exercise scaled-dot-product
  const scale = 1 / Math.sqrt(d);
  for (let i = 0; i < Tq; i++) {
    let max = -Infinity;
    for (let j = 0; j < Tk; j++) {
      let s = 0;
      for (let e = 0; e < d; e++) s += q[i * d + e] * k[j * d + e];
      s = s * scale + (mask ? mask[i * Tk + j] : 0);
      scores[j] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let j = 0; j < Tk; j++) {
      scores[j] = Math.exp(scores[j] - max); // the max-subtraction keeps exp from overflowing
      sum += scores[j];
    }
    for (let j = 0; j < Tk; j++) {
      const w = scores[j] / sum;
      if (probs) probs[i * Tk + j] = w;
      if (w === 0) continue;
      for (let e = 0; e < d; e++) out[i * d + e] += w * v[j * d + e];
    }
  }
  // #endregion
  return out;
}
