// Online softmax and FlashAttention-style tiling.
//
// Naive attention materialises the whole [Tq, Tk] score matrix before its softmax.
// Milakov & Gimelshein (2018, "Online normalizer calculation for softmax") showed
// the softmax normaliser can be computed in one streaming pass, and FlashAttention
// (Dao et al. 2022, Algorithm 1) carries the weighted sum of V along with it, so
// keys and values can be visited one block of Bc at a time. Per query row keep:
//
//   m    the largest score seen so far
//   l    Σ exp(s_j - m) over the keys seen so far
//   acc  Σ exp(s_j - m) · v_j
//
// For a new block of scores s_1..s_Bc with values v_1..v_Bc:
//
//   m'   = max(m, max_j s_j)
//   l'   = exp(m - m') · l   + Σ_j exp(s_j - m')
//   acc' = exp(m - m') · acc + Σ_j exp(s_j - m') · v_j
//
// exp(m - m') rescales what was accumulated against the old maximum. At the end
// out = acc / l, exactly softmax(s)·V: no approximation, only a different order of
// additions (so float rounding differs in the last bits).

export interface RowState {
  m: number;
  l: number;
  acc: Float64Array; // [d]
}

export const newRowState = (d: number): RowState => ({ m: -Infinity, l: 0, acc: new Float64Array(d) });

// Folds one block of scores (already scaled and masked) and its value rows
// (row j of `v` starting at v0 + j·d) into the running state.
export function onlineSoftmaxUpdate(
  st: RowState,
  scores: ArrayLike<number>,
  v: Float32Array,
  v0: number,
  d: number,
): void {
  // #region exercise online-softmax-update
  let mNew = st.m;
  for (let j = 0; j < scores.length; j++) if (scores[j] > mNew) mNew = scores[j];
  if (mNew === -Infinity) return; // nothing visible yet
  const correction = Math.exp(st.m - mNew); // exp(-∞) = 0 on the first block
  st.l *= correction;
  for (let e = 0; e < d; e++) st.acc[e] *= correction;
  for (let j = 0; j < scores.length; j++) {
    const p = Math.exp(scores[j] - mNew);
    if (p === 0) continue;
    st.l += p;
    for (let e = 0; e < d; e++) st.acc[e] += p * v[v0 + j * d + e];
  }
  st.m = mNew;
  // #endregion
}

// Attention over keys in blocks of `blockSize`, never holding more than one
// block of scores per query. Same queries-are-the-last-positions causal
// convention as causalMask. Returns [Tq, d].
export function tiledAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  d: number,
  blockSize: number,
  causal = true,
): Float32Array {
  if (!Number.isInteger(blockSize) || blockSize <= 0)
    throw new Error(`tiledAttention: block size must be a positive integer, got ${blockSize}`);
  const out = new Float32Array(Tq * d);
  const scale = 1 / Math.sqrt(d);
  const block = new Float64Array(blockSize);
  for (let i = 0; i < Tq; i++) {
    const st = newRowState(d);
    const last = causal ? Tk - Tq + i : Tk - 1; // the last key this query may see
    for (let j0 = 0; j0 <= last; j0 += blockSize) {
      const n = Math.min(blockSize, last + 1 - j0); // keys past `last` are skipped, not scored
      const s = block.subarray(0, n);
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let e = 0; e < d; e++) dot += q[i * d + e] * k[(j0 + j) * d + e];
        s[j] = dot * scale;
      }
      onlineSoftmaxUpdate(st, s, v, j0 * d, d);
    }
    for (let e = 0; e < d; e++) out[i * d + e] = st.acc[e] / st.l;
  }
  return out;
}

// Memory for the scores of one head: naive keeps [Tq, Tk]; tiled keeps one block
// of [Bq, Bc] (FlashAttention tiles queries too; in its GPU form the block lives in
// on-chip SRAM and the full matrix never reaches HBM) plus m and l per query row.
export function scoreBytes(
  Tq: number,
  Tk: number,
  Bq: number,
  Bc: number,
  bytesPerElement = 4,
): { naive: number; tiled: number } {
  return {
    naive: Tq * Tk * bytesPerElement,
    tiled: (Math.min(Bq, Tq) * Math.min(Bc, Tk) + 2 * Tq) * bytesPerElement,
  };
}
