// The forward pass of each GPT-2 layer, on flat row-major arrays.
//
// Shapes: B sequences of T tokens, N = B·T rows, C = n_embd, H heads of size
// hs = C/H. A row-major [B, T, C] array holds token (b, t) at offset (b·T + t)·C.
// The structure follows karpathy's llm.c (train_gpt2.c): one function per layer,
// each saving what its backward pass (backward.ts) will need.

import type { Floats } from "./params.ts";

// Token + position embedding (GPT-2 §2.3; Radford et al. 2018 for GPT-1's
// learned positions):   x[b, t, :] = wte[id[b, t], :] + wpe[pos0 + t, :]
// pos0 is where this chunk starts (the KV cache's length, 0 without one).
export function encoderForward(
  out: Floats,
  ids: ArrayLike<number>,
  wte: Floats,
  wpe: Floats,
  B: number,
  T: number,
  C: number,
  vocabSize: number,
  pos0 = 0,
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
      const p = (pos0 + t) * C;
      for (let i = 0; i < C; i++) out[o + i] = wte[w + i] + wpe[p + i];
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

// Causal multi-head self-attention (Vaswani et al. 2017, §3.2.1–3.2.2), given
// qkv[B, T, 3C] = [q | k | v] from c_attn. For each head h, query position t:
//   score[t2] = q_t · k_t2 / sqrt(hs)          for t2 ≤ t (the causal mask: no peeking ahead)
//   att[t2]   = softmax(score)[t2]
//   out_t     = Σ_t2 att[t2] · v_t2            written to columns h·hs … (h+1)·hs
// att [B, H, T, T] is saved for the backward pass (entries t2 > t stay 0).
export function attentionForward(
  out: Floats,
  att: Floats,
  qkv: Floats,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const hs = C / H;
  const scale = 1 / Math.sqrt(hs);
  const C3 = 3 * C;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * C3 + h * hs;
        const a = ((b * H + h) * T + t) * T;
        let max = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          const k = (b * T + t2) * C3 + C + h * hs;
          let s = 0;
          for (let i = 0; i < hs; i++) s += qkv[q + i] * qkv[k + i];
          s *= scale;
          att[a + t2] = s;
          if (s > max) max = s;
        }
        // softmax, subtracting the max so exp cannot overflow
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const e = Math.exp(att[a + t2] - max);
          att[a + t2] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let t2 = 0; t2 <= t; t2++) att[a + t2] *= inv;
        for (let t2 = t + 1; t2 < T; t2++) att[a + t2] = 0;
        const o = (b * T + t) * C + h * hs;
        for (let i = 0; i < hs; i++) out[o + i] = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const v = (b * T + t2) * C3 + 2 * C + h * hs;
          const w = att[a + t2];
          for (let i = 0; i < hs; i++) out[o + i] += w * qkv[v + i];
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
