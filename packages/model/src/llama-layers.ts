// The layers a Llama block has and a GPT-2 block does not, forward and backward, on
// flat row-major arrays (the style of layers.ts and backward.ts).
//
//   RMSNorm  (Zhang & Sennrich 2019)     instead of LayerNorm: no mean, no bias
//   RoPE     (Su et al. 2021, RoFormer)  instead of learned positions: rotate q and k
//   SwiGLU   (Shazeer 2020)              instead of GELU: silu(x·W_gate) ⊙ (x·W_up)
//   GQA      (Ainslie et al. 2023)       fewer key/value heads than query heads
//
// Shapes: N = B·T rows; C features per row; q [N, H·d], k and v [N, H_kv·d], head h
// in columns h·d … (h+1)·d. Forward functions write their output; backward functions
// take dL/d(output) and ADD dL/d(input) (and dL/d(parameters)), so gradients
// accumulate over uses. The GQA forward is layers.ts's attentionForward with a KV
// store of H_kv heads; the matmuls are linear.ts's.

import type { Floats } from "./params.ts";

// RMSNorm (Zhang & Sennrich 2019, §3), over the C features of each row:
//   rstd = 1 / sqrt((1/C) Σ_i x_i² + ε)      y_i = γ_i · x_i · rstd
// Unlike LayerNorm it neither subtracts the mean nor adds a β: re-scaling is what
// matters, re-centring is not (their §3), and it is cheaper. x, out: [N, C]; saves rstd [N].
export function rmsNormForward(
  out: Floats,
  rstd: Floats,
  x: Floats,
  gamma: Floats,
  N: number,
  C: number,
  eps: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let ms = 0;
    for (let i = 0; i < C; i++) ms += x[o + i] * x[o + i];
    const s = 1 / Math.sqrt(ms / C + eps);
    for (let i = 0; i < C; i++) out[o + i] = x[o + i] * s * gamma[i];
    rstd[n] = s;
  }
}

// RMSNorm backward. With x̂ = x · rstd and y = γ ⊙ x̂, and ∂rstd/∂x_j = −rstd³ · x_j / C:
//   dγ += dy ⊙ x̂      g = dy ⊙ γ
//   dx += rstd · (g − x̂ · mean(g ⊙ x̂))
// (LayerNorm's formula without its mean(g) term: there is no μ to differentiate.)
export function rmsNormBackward(
  dx: Floats,
  dgamma: Floats,
  dy: Floats,
  x: Floats,
  gamma: Floats,
  rstd: Floats,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const s = rstd[n];
    let gx = 0;
    for (let i = 0; i < C; i++) gx += dy[o + i] * gamma[i] * x[o + i] * s;
    gx /= C;
    for (let i = 0; i < C; i++) {
      const xhat = x[o + i] * s;
      dgamma[i] += dy[o + i] * xhat;
      dx[o + i] += s * (dy[o + i] * gamma[i] - xhat * gx);
    }
  }
}

// Which features of a head form RoPE's pairs. The same rotations, on differently
// ordered features, so a checkpoint works only with the layout it was trained with:
//   "rotate-half"  (x_i, x_{i+d/2})   Hugging Face Llama, GPT-NeoX (HF permutes Meta's q/k weights to it)
//   "interleaved"  (x_{2i}, x_{2i+1}) the RoFormer paper, GPT-J, Meta's original Llama code
export type RopeLayout = "rotate-half" | "interleaved";

export interface RopeOptions {
  p0?: number; // position of row t = 0 (with a KV cache: how many positions it holds). Default 0
  base?: number; // θ base, config.rope_theta. Default 10000
  // θ_i for i < d/2, replacing base^(−2i/d): position interpolation, NTK-aware, YaRN and
  // llama3 scaling each compute their own frequencies and pass them here.
  invFreq?: ArrayLike<number>;
  layout?: RopeLayout; // default "rotate-half"
  // multiplies cos and sin: YaRN's attention temperature (HF's `attention_scaling`). Default 1
  attentionScaling?: number;
  // row (b, t)'s own position, [B·T], in place of p0 + t: a batch whose sequences are at
  // different lengths (lab 12's server runs them as one flattened batch, B = 1)
  positions?: ArrayLike<number>;
}

// RoPE's inverse frequencies (RoFormer §3.2.2):   θ_i = base^(−2i/d),  i = 0 … d/2 − 1
// Pair 0 turns one radian per position, the last pair about 1/base radians: the pairs are
// clocks from fast (local order) to slow (long range). Computed in float64 here; the angles
// p·θ_i are rounded to float32 below, as Hugging Face's are.
export function ropeInvFreq(d: number, base = 10000): Float64Array {
  if (!(d > 0 && d % 2 === 0)) throw new Error(`rope: head dimension must be even and > 0, got ${d}`);
  if (!(base > 0)) throw new Error(`rope: base (rope_theta) must be > 0, got ${base}`);
  const inv = new Float64Array(d / 2);
  for (let i = 0; i < d / 2; i++) inv[i] = base ** ((-2 * i) / d);
  return inv;
}

// cos(p·θ_i) and sin(p·θ_i) (times the attention scaling) for T positions p0 … p0 + T − 1: [T, d/2] each.
// With opts.positions, T is B·T and row r is at positions[r].
function ropeTables(T: number, d: number, opts: RopeOptions): { cos: Float64Array; sin: Float64Array } {
  const half = d / 2;
  const p0 = opts.p0 ?? 0;
  const pos = opts.positions;
  if (!Number.isInteger(p0) || p0 < 0) throw new Error(`rope: p0 must be a whole number ≥ 0, got ${p0}`);
  const inv = opts.invFreq ?? ropeInvFreq(d, opts.base);
  if (inv.length !== half) throw new Error(`rope: invFreq needs d/2 = ${half} entries, got ${inv.length}`);
  const m = opts.attentionScaling ?? 1;
  const cos = new Float64Array(T * half);
  const sin = new Float64Array(T * half);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < half; i++) {
      // in float32, as Hugging Face computes it (inv_freq and position_ids · inv_freq are
      // float32 tensors): so our cos and sin are theirs, not 2^-24·p·θ_i radians apart
      const angle = Math.fround((pos ? pos[t] : p0 + t) * Math.fround(inv[i]));
      cos[t * half + i] = m * Math.cos(angle);
      sin[t * half + i] = m * Math.sin(angle);
    }
  return { cos, sin };
}

// RoPE (RoFormer §3.4.2): the pair (a, b) of frequency i at position p = p0 + t turns by p·θ_i,
//   a' = a·cos(pθ_i) − b·sin(pθ_i)      b' = b·cos(pθ_i) + a·sin(pθ_i)
// so q_m·k_n depends on positions only through m − n (§3.2.2): the score sees distance.
// x, out: [B, T, heads·d] (q or k as the projection writes them); out may be x (in place).
// Keys go into the KV cache already rotated: a cached key's angle is fixed by its own position.
export function ropeForward(
  out: Floats,
  x: Floats,
  B: number,
  T: number,
  heads: number,
  d: number,
  opts: RopeOptions = {},
): void {
  const half = d / 2;
  if (opts.positions && opts.positions.length !== B * T)
    throw new Error(`rope: positions needs B·T = ${B * T} entries, got ${opts.positions.length}`);
  const { cos, sin } = ropeTables(opts.positions ? B * T : T, d, opts);
  const inter = opts.layout === "interleaved";
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let h = 0; h < heads; h++) {
        const o = ((b * T + t) * heads + h) * d;
        const row = (opts.positions ? b * T + t : t) * half; // this row's angles
        for (let i = 0; i < half; i++) {
          const ia = o + (inter ? 2 * i : i); // the pair's two features
          const ib = o + (inter ? 2 * i + 1 : i + half);
          const c = cos[row + i];
          const s = sin[row + i];
          const a = x[ia];
          const bv = x[ib];
          out[ia] = a * c - bv * s;
          out[ib] = bv * c + a * s;
        }
      }
}

// RoPE backward. A rotation R is orthogonal, so its Jacobian's transpose is the rotation by
// the opposite angle, R(−pθ_i) (times the same attention scaling):
//   da += da'·cos + db'·sin      db += db'·cos − da'·sin
// dy, dx: [B, T, heads·d]; dx must not be dy (it is added to).
export function ropeBackward(
  dx: Floats,
  dy: Floats,
  B: number,
  T: number,
  heads: number,
  d: number,
  opts: RopeOptions = {},
): void {
  if (dx === dy) throw new Error("ropeBackward: dx is added to, so it must not be dy");
  if (opts.positions)
    throw new Error("ropeBackward: training runs whole sequences; positions are for serving");
  const half = d / 2;
  const { cos, sin } = ropeTables(T, d, opts);
  const inter = opts.layout === "interleaved";
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let h = 0; h < heads; h++) {
        const o = ((b * T + t) * heads + h) * d;
        for (let i = 0; i < half; i++) {
          const ia = o + (inter ? 2 * i : i);
          const ib = o + (inter ? 2 * i + 1 : i + half);
          const c = cos[t * half + i];
          const s = sin[t * half + i];
          dx[ia] += dy[ia] * c + dy[ib] * s;
          dx[ib] += dy[ib] * c - dy[ia] * s;
        }
      }
}

// SwiGLU's gate (Shazeer 2020, "FFN_SwiGLU", Swish with β = 1), elementwise on n entries:
//   silu(a) = a · σ(a)   (Swish-1, Ramachandran et al. 2017; σ the logistic function)
//   h = silu(gate) ⊙ up,   gate = x·W_gate, up = x·W_up   [N, I]; then the MLP's output is h·W_down.
// The gate decides, per channel and per token, how much of `up` passes: a GLU (Dauphin et al.
// 2017) with Swish instead of the sigmoid. Three matrices instead of two, so Llama's I ≈ (2/3)·4D
// keeps the parameter count of a GPT-2 MLP (Shazeer 2020 shrinks d_ff by 2/3 for the same reason).
export function swigluForward(out: Floats, gate: Floats, up: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const a = gate[i];
    out[i] = (a / (1 + Math.exp(-a))) * up[i];
  }
}

// SwiGLU backward. With σ = σ(a):   silu'(a) = σ + a·σ·(1 − σ) = σ·(1 + a·(1 − σ))
//   dgate += dh · up · silu'(gate)      dup += dh · silu(gate)
export function swigluBackward(
  dgate: Floats,
  dup: Floats,
  dh: Floats,
  gate: Floats,
  up: Floats,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const a = gate[i];
    const sig = 1 / (1 + Math.exp(-a));
    dgate[i] += dh[i] * up[i] * sig * (1 + a * (1 - sig));
    dup[i] += dh[i] * a * sig;
  }
}

// Grouped-query attention backward (Ainslie et al. 2023), for a whole sequence (p0 = 0), with
// the probabilities attentionForward kept. Query head h reads KV head g = ⌊h / (H / H_kv)⌋,
// so each key and value feeds H / H_kv query heads and its gradient is the SUM over that group
// (no repeated copy of k and v is needed). For query head h at position t (a = softmax(score)):
//   dv_j += a_j · dout_t                      da_j = v_j · dout_t
//   dscore_j = a_j · (da_j − Σ_i a_i·da_i)    (softmax's Jacobian)
//   dq_t += Σ_j dscore_j · k_j / sqrt(d)      dk_j += dscore_j · q_t / sqrt(d)
// q, dq, dout: [B, T, H·d]; k, v, dk, dv: [B, T, H_kv·d]; probs: [B, H, T, T].
export function gqaAttentionBackward(
  dq: Floats,
  dk: Floats,
  dv: Floats,
  dout: Floats,
  q: Floats,
  k: Floats,
  v: Floats,
  probs: Floats,
  B: number,
  T: number,
  H: number,
  Hkv: number,
  d: number,
): void {
  if (!(Hkv > 0 && H % Hkv === 0))
    throw new Error(`gqaAttentionBackward: ${Hkv} KV heads do not divide ${H} query heads`);
  const group = H / Hkv;
  const scale = 1 / Math.sqrt(d);
  const C = H * d;
  const Ckv = Hkv * d;
  const da = new Float64Array(T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const a = ((b * H + h) * T + t) * T; // row t of head h's probabilities
        const qt = (b * T + t) * C + h * d;
        let dot = 0;
        for (let j = 0; j <= t; j++) {
          const vj = (b * T + j) * Ckv + g * d;
          const w = probs[a + j];
          let s = 0;
          for (let i = 0; i < d; i++) {
            s += v[vj + i] * dout[qt + i];
            dv[vj + i] += w * dout[qt + i];
          }
          da[j] = s;
          dot += w * s;
        }
        for (let j = 0; j <= t; j++) {
          const ds = probs[a + j] * (da[j] - dot) * scale;
          const kj = (b * T + j) * Ckv + g * d;
          for (let i = 0; i < d; i++) {
            dq[qt + i] += ds * k[kj + i];
            dk[kj + i] += ds * q[qt + i];
          }
        }
      }
    }
}
