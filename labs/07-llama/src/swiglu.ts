// SwiGLU (Shazeer 2020, "GLU Variants Improve Transformer", eq. 6), Llama's MLP.
//
// GPT-2's MLP is gelu(x·W_fc)·W_proj: two matrices, and the activation decides alone
// what passes. A gated linear unit (Dauphin et al. 2017) computes two projections of
// the same x and lets one gate the other, channel by channel:
//
//   gate = x·W_gate      up = x·W_up                [rows, I]
//   h    = Swish(gate) ⊙ up                          Swish(a) = a·σ(a), also called SiLU
//   y    = h·W_down                                  [rows, C]
//
// σ is the logistic sigmoid 1 / (1 + e^−a), so Swish(a) = a / (1 + e^−a): about a for a
// large positive a, about 0 for a large negative one, smooth in between (and slightly
// negative near a ≈ −1.28, which ReLU never is).
//
// Three matrices instead of two: to keep the parameter count of a 4·C MLP, 3·C·I = 2·C·4C
// gives I = 8C/3 ≈ 2.67·C (Shazeer 2020, §2; LLaMA rounds it up to a multiple of 256).
// Our specimen has C = 128, I = 384 = 3·C: a little more than 8C/3 = 341.

// gate, up [rows, I] → h [rows, I]
export function swiglu(gate: Float32Array, up: Float32Array): Float32Array {
  if (gate.length !== up.length)
    throw new Error(`swiglu: gate has ${gate.length} values and up ${up.length}; they must match`);
  const h = new Float32Array(gate.length);
  for (let j = 0; j < gate.length; j++) {
    // #region exercise swiglu
    const a = gate[j];
    const swish = a / (1 + Math.exp(-a));
    h[j] = swish * up[j];
    // #endregion
  }
  return h;
}

// The parameters of each MLP, for the comparison with GPT-2 (weights only; GPT-2 adds biases).
//   GPT-2:  W_fc [C, 4C] + W_proj [4C, C]                 = 8·C²
//   SwiGLU: W_gate [C, I] + W_up [C, I] + W_down [I, C]   = 3·C·I
export function mlpWeights(C: number, I: number, kind: "gelu" | "swiglu"): number {
  return kind === "gelu" ? 2 * C * I : 3 * C * I;
}
