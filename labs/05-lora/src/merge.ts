// Merging (Hu et al. 2021, §4.1 "No Additional Inference Latency"): ΔW = s·BA is
// an ordinary [OUT, IN] matrix, so after training it can be added into W₀ once,
//
//   W = W₀ + s·BA         (in our [IN, OUT] Conv1D layout: W = W₀ + s·(BA)ᵀ = W₀ + s·AᵀBᵀ)
//
// and inference is a plain linear layer again: same shape, same cost, no extra
// matmul. Unmerging subtracts the same product, so one base can switch adapters
// (up to float rounding: (W₀ + Δ) − Δ need not be exactly W₀ in float32).
//
//   W[i, o] += s · Σ_j A[j, i] · B[o, j]        i < IN, o < OUT, j < r

import { matmulTransAAccumulate, type Floats } from "@llm-labs/tensor";
import { checkLora, loraScale, type LoraWeights } from "./lora.ts";

// W += sign · s·AᵀBᵀ, in place: one [IN, r]·[r, OUT] matmul into W.
export function addLoraDelta(W: Floats, lora: LoraWeights, sign: 1 | -1): void {
  const { IN, OUT, r, A, B } = lora;
  checkLora(lora, IN, W.length / IN);
  // #region exercise merge
  const s = sign * loraScale(lora);
  const Bt = W instanceof Float64Array ? new Float64Array(r * OUT) : new Float32Array(r * OUT);
  for (let o = 0; o < OUT; o++) for (let j = 0; j < r; j++) Bt[j * OUT + o] = s * B[o * r + j];
  matmulTransAAccumulate(W, A, Bt, IN, r, OUT);
  // #endregion
}

// A new merged weight; W₀ is left alone.
export function merge(W0: Floats, lora: LoraWeights): Float32Array {
  const W = Float32Array.from(W0);
  addLoraDelta(W, lora, 1);
  return W;
}

// In place: W ← W − s·AᵀBᵀ.
export function unmerge(W: Floats, lora: LoraWeights): void {
  addLoraDelta(W, lora, -1);
}
