// Rotary position embedding, RoPE (Su et al. 2021, "RoFormer", §3.2–3.4).
//
// GPT-2 ADDS a learned vector per position to the token embedding, so it knows absolute
// positions only, and none past its table. RoPE instead ROTATES the query and the key of
// each head. Split a head's d features into d/2 pairs; pair i turns by an angle that grows
// with the position p at its own speed θ_i:
//
//   θ_i = base^(−2i/d),   i = 0 … d/2 − 1          (base = rope_theta, 10000 in the paper)
//
//   ⎡a'⎤   ⎡cos pθ_i  −sin pθ_i⎤ ⎡a⎤
//   ⎣b'⎦ = ⎣sin pθ_i   cos pθ_i⎦ ⎣b⎦
//
// Rotating q at position m by mθ and k at position n by nθ leaves their dot product a
// function of m − n alone (a rotation by mθ then back by nθ is one by (m − n)θ): attention
// scores see how far apart two tokens are, not where they are. Pair 0 turns one radian per
// token (a fast clock for word order); the last pair turns ~1/base radians (a slow clock
// for distance).
//
// Which two features form a pair is a convention, and a checkpoint only works with its own:
//   rotate-half   pair i = (x_i, x_{i+d/2})     Hugging Face Llama, GPT-NeoX, ORT interleaved = 0
//   interleaved   pair i = (x_{2i}, x_{2i+1})   the RoFormer paper, GPT-J, Meta's llama code, interleaved = 1
// Hugging Face's conversion script permutes Meta's W_q and W_k columns so that rotate-half
// on the permuted weights computes what interleaved did on the originals (toRotateHalf).

export type RopeLayout = "rotate-half" | "interleaved";

export interface RopePositions {
  p0: number; // position of row t = 0 (with a KV cache: how many positions it already holds)
  invFreq: ArrayLike<number>; // θ_i, d/2 of them
  attentionScaling?: number; // multiplies cos and sin (YaRN's temperature); default 1
}

// θ_i = base^(−2i/d) for i = 0 … d/2 − 1: [d/2]
export function inverseFrequencies(d: number, base: number): Float64Array {
  if (!(d > 0 && d % 2 === 0)) throw new Error(`rope: the head size d must be even and > 0, got ${d}`);
  if (!(base > 0)) throw new Error(`rope: base (rope_theta) must be > 0, got ${base}`);
  const theta = new Float64Array(d / 2);
  for (let i = 0; i < d / 2; i++) {
    // #region exercise rope
    theta[i] = Math.pow(base, (-2 * i) / d);
    // #endregion
  }
  return theta;
}

// x [B, T, heads·d] (q or k as its projection writes it) → the rotated copy, same shape.
// Row t of every sequence is at position p0 + t.
export function rope(
  x: Float32Array,
  B: number,
  T: number,
  heads: number,
  d: number,
  at: RopePositions,
  layout: RopeLayout = "rotate-half",
): Float32Array {
  if (x.length !== B * T * heads * d)
    throw new Error(`rope: x has ${x.length} values, expected B·T·heads·d = ${B}·${T}·${heads}·${d}`);
  if (at.invFreq.length !== d / 2)
    throw new Error(`rope: invFreq needs d/2 = ${d / 2} values, got ${at.invFreq.length}`);
  const y = new Float32Array(x.length);
  const m = at.attentionScaling ?? 1;
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      const p = at.p0 + t;
      for (let h = 0; h < heads; h++) {
        const head = ((b * T + t) * heads + h) * d; // where this head's d features start
        for (let i = 0; i < d / 2; i++) {
          const cos = m * Math.cos(p * at.invFreq[i]);
          const sin = m * Math.sin(p * at.invFreq[i]);
          if (layout === "rotate-half") rotateHalfPair(x, y, head, i, d, cos, sin);
          else interleavedPair(x, y, head, i, cos, sin);
        }
      }
    }
  return y;
}

// Pair i of the head starting at `head` is (x_i, x_{i+d/2}).
function rotateHalfPair(
  x: Float32Array,
  y: Float32Array,
  head: number,
  i: number,
  d: number,
  cos: number,
  sin: number,
) {
  // #region exercise rope
  const a = x[head + i];
  const b = x[head + i + d / 2];
  y[head + i] = a * cos - b * sin;
  y[head + i + d / 2] = b * cos + a * sin;
  // #endregion
}

// Pair i of the head starting at `head` is (x_{2i}, x_{2i+1}).
function interleavedPair(
  x: Float32Array,
  y: Float32Array,
  head: number,
  i: number,
  cos: number,
  sin: number,
) {
  // #region exercise rope-interleaved
  const a = x[head + 2 * i];
  const b = x[head + 2 * i + 1];
  y[head + 2 * i] = a * cos - b * sin;
  y[head + 2 * i + 1] = b * cos + a * sin;
  // #endregion
}

// Meta's checkpoints pair (2i, 2i+1); Hugging Face's pair (i, i + d/2). Moving column 2i of
// each head to i and 2i+1 to i + d/2 turns one layout into the other: rope(x·W', rotate-half)
// = P(rope(x·W, interleaved)), P the same move. This is the permutation Hugging Face's
// convert_llama_weights_to_hf.py applies to W_q and W_k (never to W_v, which RoPE leaves alone).
// w [K, heads·d] (course layout: input rows, output columns) → the permuted copy.
export function toRotateHalf(w: Float32Array, K: number, heads: number, d: number): Float32Array {
  const cols = heads * d;
  const out = new Float32Array(w.length);
  for (let r = 0; r < K; r++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < d / 2; i++) {
        out[r * cols + h * d + i] = w[r * cols + h * d + 2 * i];
        out[r * cols + h * d + i + d / 2] = w[r * cols + h * d + 2 * i + 1];
      }
  return out;
}
