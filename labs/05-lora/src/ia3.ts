// IA3 (Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is Better and
// Cheaper than In-Context Learning", §3.3): instead of adding to weights, learn
// three vectors that rescale activations, initialised to 1 (so training starts at
// the base):
//
//   k ← l_k ⊙ k      v ← l_v ⊙ v      h_ff ← l_ff ⊙ gelu(x·W_fc)
//
// In our specimen k and v are columns C…3C of c_attn's output, so scaling them is
// scaling those columns of c_attn's weight and bias; and h_ff feeds mlp.c_proj, so
// scaling it is scaling that weight's rows. IA3 therefore merges into the weights
// like LoRA, and its gradient comes from the same G = ∂L/∂W_eff:
//
//   c_attn:  W_eff[i, o] = W₀[i, o]·l[o − C],  b_eff[o] = b₀[o]·l[o − C]   (o ≥ C)
//            ∂L/∂l[o − C] = Σ_i G[i, o]·W₀[i, o] + g_b[o]·b₀[o]
//   c_proj:  W_eff[i, o] = l_ff[i]·W₀[i, o]          ∂L/∂l_ff[i] = Σ_o G[i, o]·W₀[i, o]
//
// 6·n_embd numbers per layer (2C for k and v, 4C for the MLP): 3,072 for the target.

import type { Floats } from "@llm-labs/tensor";
import type { GPT } from "@llm-labs/model";
import type { Peft } from "./train.ts";

export function ia3Peft(model: GPT): Peft {
  const C = model.config.n_embd;
  const L = model.config.n_layer;
  const per = 6 * C;
  const params: Floats =
    model.params.flat instanceof Float64Array
      ? new Float64Array(L * per).fill(1)
      : new Float32Array(L * per).fill(1);
  const kv = (l: number) => params.subarray(l * per, l * per + 2 * C);
  const ff = (l: number) => params.subarray(l * per + 2 * C, (l + 1) * per);
  return {
    name: "IA3",
    params,
    apply(base, eff) {
      for (let l = 0; l < L; l++) {
        const b = base.params.h[l];
        const e = eff.params.h[l];
        const lkv = kv(l);
        const lff = ff(l);
        for (let i = 0; i < C; i++)
          for (let o = 0; o < 3 * C; o++)
            e.c_attn.weight[i * 3 * C + o] = b.c_attn.weight[i * 3 * C + o] * (o < C ? 1 : lkv[o - C]);
        for (let o = 0; o < 3 * C; o++) e.c_attn.bias[o] = b.c_attn.bias[o] * (o < C ? 1 : lkv[o - C]);
        for (let i = 0; i < 4 * C; i++)
          for (let o = 0; o < C; o++)
            e.mlp_c_proj.weight[i * C + o] = lff[i] * b.mlp_c_proj.weight[i * C + o];
      }
    },
    backward(base, grads, dparams) {
      for (let l = 0; l < L; l++) {
        const b = base.params.h[l];
        const g = grads.h[l];
        const dkv = dparams.subarray(l * per, l * per + 2 * C);
        const dff = dparams.subarray(l * per + 2 * C, (l + 1) * per);
        for (let o = C; o < 3 * C; o++) {
          let s = g.c_attn.bias[o] * b.c_attn.bias[o];
          for (let i = 0; i < C; i++) s += g.c_attn.weight[i * 3 * C + o] * b.c_attn.weight[i * 3 * C + o];
          dkv[o - C] += s;
        }
        for (let i = 0; i < 4 * C; i++) {
          let s = 0;
          for (let o = 0; o < C; o++) s += g.mlp_c_proj.weight[i * C + o] * b.mlp_c_proj.weight[i * C + o];
          dff[i] += s;
        }
      }
    },
  };
}
