// Gradients of A and B, by hand.
//
// The model's own backward pass (packages/model, backward.ts) already gives
// G = ∂L/∂W for every linear weight. Run it on the merged weight
// W_eff = W₀ + s·AᵀBᵀ (our [IN, OUT] layout) and the chain rule does the rest:
//
//   W_eff[i, o] = W₀[i, o] + s · Σ_j A[j, i] · B[o, j]
//
//   ∂L/∂A[j, i] = Σ_o G[i, o] · ∂W_eff[i, o]/∂A[j, i] = s · Σ_o G[i, o] · B[o, j]     dA = s·(G·B)ᵀ    [r, IN]
//   ∂L/∂B[o, j] = Σ_i G[i, o] · ∂W_eff[i, o]/∂B[o, j] = s · Σ_i A[j, i] · G[i, o]     dB = s·(A·G)ᵀ    [OUT, r]
//
// W₀ gets no update (it is frozen), so its gradient is thrown away. At the
// start B = 0, so dA = 0 and only B moves on the first step; A starts moving
// once B is non-zero. A real LoRA implementation never forms the [IN, OUT] G:
// with u = X·Aᵀ and g = dY·B (both [N, r]) the same two gradients are
//
//   dB = s·dYᵀ·u        dA = s·gᵀ·X        dX = dY·W₀ᵀ + s·g·A
//
// (loraLinearBackward below), which is what keeps LoRA's backward cheap for big
// layers. The tests check that the two forms agree, and both against finite
// differences of the whole model's loss.

import {
  matmulAccumulate,
  matmulTransAAccumulate,
  matmulTransBAccumulate,
  type Floats,
} from "@llm-labs/tensor";
import { loraScale, type LoraWeights } from "./lora.ts";

// dA += s·(G·B)ᵀ, dB += s·(A·G)ᵀ, with G = ∂L/∂W_eff [IN, OUT]. Adds, like the model's backward.
export function loraGradsFromWeightGrad(G: Floats, lora: LoraWeights, dA: Floats, dB: Floats): void {
  const { IN, OUT, r, A, B } = lora;
  if (G.length !== IN * OUT) throw new Error(`loraGrads: G must be [${IN}, ${OUT}], got ${G.length} values`);
  // #region exercise lora-grads
  const s = loraScale(lora);
  const F = (n: number) => (G instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  const GB = F(IN * r);
  const AG = F(r * OUT);
  matmulAccumulate(GB, G, B, IN, OUT, r);
  matmulAccumulate(AG, A, G, r, IN, OUT);
  for (let i = 0; i < IN; i++) for (let j = 0; j < r; j++) dA[j * IN + i] += s * GB[i * r + j];
  for (let j = 0; j < r; j++) for (let o = 0; o < OUT; o++) dB[o * r + j] += s * AG[j * OUT + o];
  // #endregion
}

// The layer-level backward that never forms G. Adds into dX, dA, dB.
export function loraLinearBackward(
  dX: Floats,
  dA: Floats,
  dB: Floats,
  dY: Floats,
  X: Floats,
  W0: Floats,
  lora: LoraWeights,
  N: number,
): void {
  const { IN, OUT, r, A, B } = lora;
  const s = loraScale(lora);
  const F = (n: number) => (X instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  const u = F(N * r);
  const g = F(N * r);
  matmulTransBAccumulate(u, X, A, N, IN, r); // u = X·Aᵀ
  matmulAccumulate(g, dY, B, N, OUT, r); // g = dY·B
  for (let i = 0; i < N * r; i++) {
    u[i] *= s;
    g[i] *= s;
  }
  matmulTransAAccumulate(dB, dY, u, OUT, N, r); // dB += dYᵀ·(s·u)
  matmulTransAAccumulate(dA, g, X, r, N, IN); // dA += (s·g)ᵀ·X
  matmulTransBAccumulate(dX, dY, W0, N, OUT, IN); // dX += dY·W₀ᵀ
  matmulAccumulate(dX, g, A, N, r, IN); // dX += (s·g)·A
}
