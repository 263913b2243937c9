// RoPE's frequencies for a Llama config: the plain θ_i = rope_theta^(−2i/d), or one of the
// ways of stretching them past the context the model was trained on (rope_scaling).
//
// Returns the d/2 inverse frequencies and the factor that multiplies cos and sin (YaRN's
// attention temperature; 1 for the others). `total` is the length of the sequence being run
// (cached + new positions): "dynamic" NTK scaling changes with it.
//
// The definitions follow Hugging Face transformers' src/transformers/modeling_rope_utils.py
// (_compute_{linear_scaling,dynamic_ntk,yarn,llama3}_parameters), so a checkpoint with a
// rope_scaling block rotates here as it does there. Below, L = the trained context
// (rope_scaling.original_max_position_embeddings, else max_position_embeddings), s = factor.

import type { LlamaConfig, RopeScaling } from "./llama-config.ts";
import { ropeInvFreq } from "./llama-layers.ts";

export interface RopeFrequencies {
  invFreq: Float64Array; // [d/2]
  attentionScaling: number;
}

export function ropeFrequencies(c: LlamaConfig, total: number): RopeFrequencies {
  if (!Number.isInteger(total) || total < 0)
    throw new Error(`rope: total must be a whole number ≥ 0 (cached + new positions), got ${total}`);
  const s = c.rope_scaling;
  const d = c.head_dim;
  const base = c.rope_theta;
  if (s === null || s.rope_type === "default") return { invFreq: ropeInvFreq(d, base), attentionScaling: 1 };
  const factor = s.factor ?? 1;
  const L = s.original_max_position_embeddings ?? c.max_position_embeddings;
  switch (s.rope_type) {
    case "linear":
      return { invFreq: linearInvFreq(d, base, factor), attentionScaling: 1 };
    case "dynamic":
      return { invFreq: dynamicInvFreq(d, base, factor, L, total), attentionScaling: 1 };
    case "yarn":
      return yarnFrequencies(d, base, factor, L, s);
    case "llama3":
      return { invFreq: llama3InvFreq(d, base, factor, L, s), attentionScaling: 1 };
  }
}

// Position interpolation (Chen et al. 2023, "Extending Context Window of Large Language Models
// via Positional Interpolation", arXiv 2306.15595): squeeze positions p → p/s so a sequence s
// times longer lands inside the trained range. p/s · θ_i = p · (θ_i / s), so divide every θ_i:
//   θ'_i = θ_i / s
function linearInvFreq(d: number, base: number, s: number): Float64Array {
  const inv = ropeInvFreq(d, base);
  for (let i = 0; i < inv.length; i++) inv[i] /= s;
  return inv;
}

// Dynamic NTK-aware scaling (reddit u/bloc97, u/emozilla; HF "dynamic"): raise the base instead
// of dividing θ, so the fast pairs barely change and the slowest is interpolated by about the
// needed ratio, and only once the sequence (total positions T) outgrows L:
//   base' = base · (s·T/L − (s − 1))^(d/(d−2))   if T > L,   else base' = base
// At T = L the bracket is 1; the exponent d/(d−2) makes the slowest pair's θ_{d/2−1}
// = base'^(−(d−2)/d) shrink by exactly the bracket.
function dynamicInvFreq(d: number, base: number, s: number, L: number, T: number): Float64Array {
  if (T <= L) return ropeInvFreq(d, base);
  return ropeInvFreq(d, base * ((s * T) / L - (s - 1)) ** (d / (d - 2)));
}

// YaRN (Peng et al. 2023, "YaRN: Efficient Context Window Extension of Large Language Models",
// arXiv 2309.00071), "NTK-by-parts" (§3.2) with the attention temperature (§3.4).
// Pair i turns r_i = L·θ_i / 2π times over the trained context. Pairs that turn many times
// (r > β_fast) saw every angle in training: keep θ_i (extrapolate). Pairs that turn less than
// β_slow times would meet unseen angles: interpolate, θ_i / s. In between, a linear ramp.
// Solving r = L·base^(−2i/d) / 2π for i gives the pair that turns r times:
//   dim(r) = d · ln(L / (2π r)) / (2 ln base)
//   low = max(0, ⌊dim(β_fast)⌋),  high = min(d − 1, ⌈dim(β_slow)⌉)   (HF clamps to d − 1, not d/2 − 1)
//   ramp_i = clamp((i − low) / (high − low), 0, 1),   extrapolation weight w_i = 1 − ramp_i
//   θ'_i = (θ_i / s) · (1 − w_i) + θ_i · w_i
// and cos, sin are multiplied by the temperature √(1/t) = attention_factor ?? 0.1·ln s + 1
// (so q·k is multiplied by its square: softmax sharpened against the longer context's entropy).
function yarnFrequencies(d: number, base: number, s: number, L: number, rs: RopeScaling): RopeFrequencies {
  const betaFast = rs.beta_fast ?? 32;
  const betaSlow = rs.beta_slow ?? 1;
  const dim = (r: number) => (d * Math.log(L / (2 * Math.PI * r))) / (2 * Math.log(base));
  const low = Math.max(0, Math.floor(dim(betaFast)));
  let high = Math.min(d - 1, Math.ceil(dim(betaSlow)));
  if (high === low) high += 0.001; // a step instead of 0/0
  const inv = ropeInvFreq(d, base);
  for (let i = 0; i < inv.length; i++) {
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const w = 1 - ramp;
    inv[i] = (inv[i] / s) * (1 - w) + inv[i] * w;
  }
  return { invFreq: inv, attentionScaling: rs.attention_factor ?? 0.1 * Math.log(s) + 1 };
}

// Llama 3.1's scaling (Meta's reference code; HF "llama3"): NTK-by-parts on wavelengths
// λ_i = 2π / θ_i, with bands set by low_freq_factor (α) and high_freq_factor (β):
//   λ_i < L/β            (short waves, many turns)  θ'_i = θ_i
//   λ_i > L/α            (long waves)               θ'_i = θ_i / s
//   otherwise   smooth = (L/λ_i − α) / (β − α),     θ'_i = (1 − smooth)·θ_i/s + smooth·θ_i
function llama3InvFreq(d: number, base: number, s: number, L: number, rs: RopeScaling): Float64Array {
  const alpha = rs.low_freq_factor ?? 1;
  const beta = rs.high_freq_factor ?? 4;
  const inv = ropeInvFreq(d, base);
  for (let i = 0; i < inv.length; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen < L / beta) continue;
    if (wavelen > L / alpha) inv[i] /= s;
    else {
      const smooth = (L / wavelen - alpha) / (beta - alpha);
      inv[i] = (1 - smooth) * (inv[i] / s) + smooth * inv[i];
    }
  }
  return inv;
}
