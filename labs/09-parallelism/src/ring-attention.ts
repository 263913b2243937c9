// Ring Attention: causal attention with the sequence split across N ranks.
//
// Sequence (context) parallelism, Liu, Zaharia & Abbeel 2023 ("Ring Attention with
// Blockwise Transformers for Near-Infinite Context"). The T tokens are cut into N
// contiguous blocks of B = T/N; rank r owns Q_r, K_r, V_r [B, d]. No rank ever holds
// all of K and V or the [T, T] scores: the K/V blocks travel round a ring, one hop a step,
//
//   step t = 0 … N−1:  rank r holds block j = (r − t) mod N
//                      attends Q_r to (K_j, V_j) and merges that into its running state
//                      sends (K_j, V_j) on to rank r+1, receives block j−1 from rank r−1
//
// Causal, with contiguous blocks: j > r lies wholly in the future of every query of
// rank r (skipped, no scores at all); j == r is the diagonal block, causal within it;
// j < r lies wholly in the past (no mask).
//
// One block gives, per query row, the state of lab 02's online softmax over its keys:
//
//   m = max_j s_j        l = Σ_j exp(s_j − m)        o = Σ_j exp(s_j − m)·v_j
//
// with o kept UNnormalised (out = o / l once, at the end). Two partials over disjoint
// key sets A and B merge exactly (FlashAttention's rescaling, one block at a time):
//
//   m = max(m_A, m_B)
//   l = e^{m_A−m}·l_A + e^{m_B−m}·l_B
//   o = e^{m_A−m}·o_A + e^{m_B−m}·o_B
//
// The merge is commutative and associative, so the order blocks arrive in does not
// matter beyond float rounding. Everything is accumulated in float64.

export interface PartialAttention {
  rows: number;
  d: number;
  m: Float64Array; // [rows] largest score seen; −∞ while a row has seen no key
  l: Float64Array; // [rows] Σ exp(s − m)
  o: Float64Array; // [rows, d] Σ exp(s − m)·v, not yet divided by l
}

export const emptyPartial = (rows: number, d: number): PartialAttention => ({
  rows,
  d,
  m: new Float64Array(rows).fill(-Infinity),
  l: new Float64Array(rows),
  o: new Float64Array(rows * d),
});

// The merged state of two partials of the same query rows over disjoint keys.
export function mergeAttention(a: PartialAttention, b: PartialAttention): PartialAttention {
  if (a.rows !== b.rows || a.d !== b.d)
    throw new Error(`mergeAttention: shapes differ, ${a.rows}×${a.d} vs ${b.rows}×${b.d}`);
  const { rows, d } = a;
  const out = emptyPartial(rows, d);
  // #region exercise ring-attention-merge
  for (let i = 0; i < rows; i++) {
    const m = Math.max(a.m[i], b.m[i]);
    if (m === -Infinity) continue; // neither side saw a key (and e^{−∞ − (−∞)} is NaN)
    const ca = Math.exp(a.m[i] - m); // ≤ 1, and e^{−∞} = 0 for an empty side
    const cb = Math.exp(b.m[i] - m);
    out.m[i] = m;
    out.l[i] = ca * a.l[i] + cb * b.l[i];
    for (let e = 0; e < d; e++) out.o[i * d + e] = ca * a.o[i * d + e] + cb * b.o[i * d + e];
  }
  // #endregion
  return out;
}

// One tile: the partial attention of q [B, d] over k, v [B, d], scores s = q·kᵀ/√d.
// diagonal: both blocks start at the same position, so query i sees keys 0 … i only.
export function blockAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  B: number,
  d: number,
  diagonal: boolean,
): PartialAttention {
  const p = emptyPartial(B, d);
  const scale = 1 / Math.sqrt(d);
  const s = new Float64Array(B); // one row of scores
  for (let i = 0; i < B; i++) {
    const n = diagonal ? i + 1 : B; // keys past the query are never scored
    let m = -Infinity;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let e = 0; e < d; e++) dot += q[i * d + e] * k[j * d + e];
      s[j] = dot * scale;
      if (s[j] > m) m = s[j];
    }
    let l = 0;
    for (let j = 0; j < n; j++) {
      const w = Math.exp(s[j] - m);
      l += w;
      for (let e = 0; e < d; e++) p.o[i * d + e] += w * v[j * d + e];
    }
    p.m[i] = m;
    p.l[i] = l;
  }
  return p;
}

export interface RingOptions {
  T: number; // sequence length
  d: number; // head dimension
  ranks: number; // N, the ring's size; must divide T
}

export interface RingResult {
  out: Float32Array; // [T, d], rank r's rows r·B … (r+1)·B − 1 gathered in order
  bytesReceived: number[]; // [N] K/V bytes (float32) each rank received over the ring
  tiles: number[]; // [N] blocks each rank attended to: r + 1 for rank r (causal imbalance)
  schedule: number[][]; // [step][rank] the K/V block that rank held at that step
}

// Causal attention of one head, q, k, v [T, d], on a simulated ring of N ranks.
export function ringAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  { T, d, ranks: N }: RingOptions,
): RingResult {
  if (!Number.isInteger(N) || N < 1)
    throw new Error(`ringAttention: ranks must be a positive integer, got ${N}`);
  if (T % N !== 0) throw new Error(`ringAttention: T = ${T} is not divisible by ranks = ${N}`);
  for (const [name, x] of [
    ["q", q],
    ["k", k],
    ["v", v],
  ] as const)
    if (x.length !== T * d)
      throw new Error(`ringAttention: ${name} has ${x.length} values, expected T·d = ${T}·${d} = ${T * d}`);
  const B = T / N;
  const ids = Array.from({ length: N }, (_, r) => r);
  const shard = (x: Float32Array, r: number) => x.slice(r * B * d, (r + 1) * B * d); // rank r's own [B, d]
  const Q = ids.map((r) => shard(q, r)); // queries never move
  let held = ids.map((r) => ({ j: r, k: shard(k, r), v: shard(v, r) })); // what rank r holds now
  const state = ids.map(() => emptyPartial(B, d));
  const bytesReceived = ids.map(() => 0);
  const tiles = ids.map(() => 0);
  const schedule: number[][] = [];
  for (let t = 0; t < N; t++) {
    schedule.push(held.map((h) => h.j)); // (r − t) mod N
    for (let r = 0; r < N; r++) {
      const { j, k: Kj, v: Vj } = held[r];
      if (j > r) continue; // the future: every score would be masked
      state[r] = mergeAttention(state[r], blockAttention(Q[r], Kj, Vj, B, d, j === r));
      tiles[r]++;
    }
    if (t === N - 1) break; // every rank has seen every block; no last hop
    // all ranks at once: send to r + 1, receive from r − 1 (a real ring overlaps this
    // transfer with the tile above, which hides it when a tile takes longer than a hop)
    const prev = held;
    held = ids.map((r) => prev[(r - 1 + N) % N]);
    for (let r = 0; r < N; r++) bytesReceived[r] += (held[r].k.length + held[r].v.length) * 4;
  }
  const out = new Float32Array(T * d);
  for (let r = 0; r < N; r++)
    for (let i = 0; i < B; i++)
      for (let e = 0; e < d; e++) out[(r * B + i) * d + e] = state[r].o[i * d + e] / state[r].l[i];
  return { out, bytesReceived, tiles, schedule };
}

// H independent heads: q [H, T, d]; k, v [H_kv, T, d], query head h reading key/value
// head ⌊h / (H/H_kv)⌋ (grouped-query attention; H_kv = H is plain multi-head). Only the
// H_kv key/value heads travel the ring, once each, so GQA divides the traffic by H/H_kv.
export function multiHeadRingAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  { H, T, d, ranks, kvHeads = H }: RingOptions & { H: number; kvHeads?: number },
): { out: Float32Array; bytesReceived: number[] } {
  if (!Number.isInteger(kvHeads) || kvHeads < 1 || H % kvHeads !== 0)
    throw new Error(`multiHeadRingAttention: H = ${H} heads is not a multiple of kvHeads = ${kvHeads}`);
  if (q.length !== H * T * d || k.length !== kvHeads * T * d || v.length !== k.length)
    throw new Error(
      `multiHeadRingAttention: expected q [${H}, ${T}, ${d}] and k, v [${kvHeads}, ${T}, ${d}], got ${q.length}, ${k.length}, ${v.length} values`,
    );
  const group = H / kvHeads;
  const n = T * d; // one head
  const out = new Float32Array(H * n); // [H, T, d]
  const bytesReceived = new Array<number>(ranks).fill(0);
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / group);
    const r = ringAttention(
      q.subarray(h * n, (h + 1) * n),
      k.subarray(g * n, (g + 1) * n),
      v.subarray(g * n, (g + 1) * n),
      { T, d, ranks },
    );
    out.set(r.out, h * n);
    // a real ring sends kv head g once for its whole group; count it at the group's first head
    if (h % group === 0) for (let i = 0; i < ranks; i++) bytesReceived[i] += r.bytesReceived[i];
  }
  return { out, bytesReceived };
}
