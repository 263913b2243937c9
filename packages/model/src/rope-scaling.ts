// RoPE's frequencies for a Llama config: the plain θ_i = rope_theta^(−2i/d), or one of the
// ways of stretching them past the context the model was trained on (rope_scaling).
//
// Returns the d/2 inverse frequencies and the factor that multiplies cos and sin (YaRN's
// attention temperature; 1 for the others). `total` is the length of the sequence being run
// (cached + new positions): "dynamic" NTK scaling changes with it.

import type { LlamaConfig } from "./llama-config.ts";
import { ropeInvFreq } from "./llama-layers.ts";

export interface RopeFrequencies {
  invFreq: Float64Array; // [d/2]
  attentionScaling: number;
}

export function ropeFrequencies(c: LlamaConfig, _total: number): RopeFrequencies {
  const s = c.rope_scaling;
  if (s === null) return { invFreq: ropeInvFreq(c.head_dim, c.rope_theta), attentionScaling: 1 };
  throw new Error(`rope: rope_type "${s.rope_type}" is not implemented yet`);
}
