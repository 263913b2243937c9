// The three matrix products a linear layer needs, forward and backward.
//
// A GPT-2 linear layer (a `Conv1D`, weight stored [in, out]) computes, for N rows:
//
//   forward:   Y[N, OUT] = X[N, IN] · W[IN, OUT] + b
//   backward:  dX[N, IN]   = dY · Wᵀ           (how the loss changes with each input)
//              dW[IN, OUT] = Xᵀ · dY           (summed over the N rows)
//              db[OUT]     = Σ_n dY[n, :]
//
// So backprop through a matmul is two more matmuls, with one operand transposed
// each time; that is why training costs about 3× a forward pass (Kaplan et al.
// 2020, §2.1: ≈ 6·params FLOPs per token for training, 2·params for inference).
// Each kernel ADDS into its output (C += …): gradients accumulate over uses.
//
// The three kernels live in @llm-labs/tensor's matmul.ts (register blocking):
// the speed of training on a laptop CPU is set almost entirely by their loops.

import {
  type Floats,
  matmulAccumulate,
  matmulTransAAccumulate,
  matmulTransBAccumulate,
} from "@llm-labs/tensor";

// Y[N, OUT] = X[N, IN] · W[IN, OUT] + b
export function linearForward(
  Y: Floats,
  X: Floats,
  W: Floats,
  b: Floats,
  N: number,
  IN: number,
  OUT: number,
): void {
  if (b.length === 0)
    Y.fill(0, 0, N * OUT); // a Llama linear has no bias
  else for (let n = 0; n < N; n++) Y.set(b, n * OUT);
  matmulAccumulate(Y, X, W, N, IN, OUT);
}

// dX += dY·Wᵀ, dW += Xᵀ·dY, db += Σ_n dY[n, :]
export function linearBackward(
  dX: Floats,
  dW: Floats,
  db: Floats,
  dY: Floats,
  X: Floats,
  W: Floats,
  N: number,
  IN: number,
  OUT: number,
): void {
  matmulTransBAccumulate(dX, dY, W, N, OUT, IN);
  matmulTransAAccumulate(dW, X, dY, IN, N, OUT);
  if (db.length === 0) return; // no bias
  for (let n = 0; n < N; n++) {
    const row = n * OUT;
    for (let o = 0; o < OUT; o++) db[o] += dY[row + o];
  }
}
