// The forward pass of each GPT-2 layer, on flat row-major arrays.
//
// Shapes: B sequences of T tokens, N = B·T rows, C = n_embd, H heads of size
// hs = C/H. A row-major [B, T, C] array holds token (b, t) at offset (b·T + t)·C.
// The structure follows karpathy's llm.c (train_gpt2.c): one function per layer,
// each saving what its backward pass (backward.ts) will need.

import type { KVStore } from "./kv-cache.ts";
import type { Floats } from "./params.ts";

// Token + position embedding (GPT-2 §2.3; Radford et al. 2018 for GPT-1's
// learned positions):   x[b, t, :] = wte[id[b, t], :] + wpe[pos0 + t, :]
// pos0 is where this chunk starts (the KV cache's length, 0 without one).
export function encoderForward(
  out: Floats,
  ids: ArrayLike<number>,
  wte: Floats,
  wpe: Floats | null, // null: no position table (a Llama's positions are RoPE's)
  B: number,
  T: number,
  C: number,
  vocabSize: number,
  pos0 = 0,
  positions?: ArrayLike<number>, // row (b, t)'s position [B·T], in place of pos0 + t
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const id = ids[b * T + t];
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new Error(
          `token id ${id} at [batch ${b}, position ${t}] is out of range: vocab_size is ${vocabSize}, ids must be integers in [0, ${vocabSize - 1}]`,
        );
      }
      const o = (b * T + t) * C;
      const w = id * C;
      const p = (positions ? positions[b * T + t] : pos0 + t) * C;
      if (wpe) for (let i = 0; i < C; i++) out[o + i] = wte[w + i] + wpe[p + i];
      else for (let i = 0; i < C; i++) out[o + i] = wte[w + i];
    }
  }
}

// LayerNorm (Ba, Kiros & Hinton 2016), over the C features of each row:
//   μ = (1/C) Σ_i x_i      σ² = (1/C) Σ_i (x_i - μ)²      (biased variance, as PyTorch)
//   y_i = γ_i · (x_i - μ) / sqrt(σ² + ε) + β_i
// Saves μ and rstd = 1/sqrt(σ² + ε) per row for the backward pass.
export function layerNormForward(
  out: Floats,
  mean: Floats,
  rstd: Floats,
  x: Floats,
  gamma: Floats,
  beta: Floats,
  N: number,
  C: number,
  eps: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let m = 0;
    for (let i = 0; i < C; i++) m += x[o + i];
    m /= C;
    let v = 0;
    for (let i = 0; i < C; i++) {
      const d = x[o + i] - m;
      v += d * d;
    }
    v /= C;
    const s = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < C; i++) out[o + i] = (x[o + i] - m) * s * gamma[i] + beta[i];
    mean[n] = m;
    rstd[n] = s;
  }
}

// Causal multi-head self-attention (Vaswani et al. 2017, §3.2.1–3.2.2) of T new
// queries per sequence over a KV store that already holds their own keys and
// values: query t sits at position p0 + t (p0 = store.length) and sees 0 … p0 + t.
//   score_j = q_t · k_j / sqrt(d)            for j ≤ p0 + t (the causal mask: no peeking ahead)
//   a_j     = softmax(score)_j
//   out_t   = Σ_j a_j · v_j                  written to columns h·d … (h+1)·d
// Query head h reads key/value head ⌊h / (H / H_kv)⌋: grouped-query attention
// (Ainslie et al. 2023) when the store has fewer heads than the queries; GPT-2 has H_kv = H.
// q, out: [B, T, H·d]. probs [B, H, T, p0 + T], when given, keeps every a (the backward
// pass needs them; [B, H, T, T] for a whole sequence).
export function attentionForward(
  out: Floats,
  q: Floats,
  store: KVStore<Floats>,
  layer: number,
  B: number,
  T: number,
  H: number,
  probs?: Floats,
): void {
  const d = store.d;
  const p0 = store.length;
  const total = p0 + T;
  const group = H / store.heads;
  const scale = 1 / Math.sqrt(d);
  const C = H * d;
  // scores in the precision of the model (float32, or float64 for the gradient check)
  const row = q instanceof Float64Array ? new Float64Array(total) : new Float32Array(total);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const K = store.headKeys(layer, b, Math.floor(h / group), total); // [total, d]
      const V = store.headValues(layer, b, Math.floor(h / group), total);
      for (let t = 0; t < T; t++) {
        // probs [B, H, T, p0 + T]: row t over every key the store holds (T keys without a cache)
        const a = probs
          ? probs.subarray(((b * H + h) * T + t) * total, ((b * H + h) * T + t + 1) * total)
          : row;
        const qt = (b * T + t) * C + h * d;
        const last = p0 + t;
        let max = -Infinity;
        for (let j = 0; j <= last; j++) {
          let s = 0;
          for (let i = 0; i < d; i++) s += q[qt + i] * K[j * d + i];
          s *= scale;
          a[j] = s;
          if (s > max) max = s;
        }
        // softmax, subtracting the max so exp cannot overflow
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          const e = Math.exp(a[j] - max);
          a[j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j <= last; j++) a[j] *= inv;
        for (let j = last + 1; j < a.length; j++) a[j] = 0;
        for (let i = 0; i < d; i++) out[qt + i] = 0;
        for (let j = 0; j <= last; j++) {
          const w = a[j];
          for (let i = 0; i < d; i++) out[qt + i] += w * V[j * d + i];
        }
      }
    }
  }
}

// GELU, tanh form (Hendrycks & Gimpel 2016, §2; GPT-2's "gelu_new"):
//   gelu(x) = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))
export const GELU_SCALE = Math.sqrt(2 / Math.PI);
export function geluForward(out: Floats, x: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + Math.tanh(GELU_SCALE * (v + 0.044715 * v * v * v)));
  }
}

// The residual connection (He et al. 2016): out = a + b.
export function residualForward(out: Floats, a: Floats, b: Floats, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}
