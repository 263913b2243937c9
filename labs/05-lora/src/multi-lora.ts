// Multi-LoRA serving (as in Punica's SGMV and S-LoRA): one copy of the base
// weights in memory, many small adapters, and one batch that mixes requests for
// different adapters. Merging is out (each request wants a different W), so each
// linear runs unmerged, in two parts:
//
//   Y = X·W₀ + b                                       one big matmul, every row of the batch
//   Y[rows of a] += s_a · (X[rows of a]·A_aᵀ)·B_aᵀ       per adapter a, only its own rows
//
// The shared part is where the FLOPs are; the per-adapter part is r·(IN + OUT)
// per row. A request with adapter −1 gets the base model.

import { forwardWithLinears, linearForward, type GPT } from "@llm-labs/model";
import { UserError } from "@llm-labs/kit";
import { matmulTransBAccumulate } from "@llm-labs/tensor";
import type { Adapter } from "./adapter.ts";
import { loraScale, type LoraWeights } from "./lora.ts";

// One linear for the whole batch: rowAdapter[n] picks the adapter of row n (−1: none).
export function multiLoraLinear(
  Y: Float32Array,
  X: Float32Array,
  W0: Float32Array,
  b: Float32Array,
  loras: (LoraWeights | undefined)[],
  rowAdapter: Int32Array,
  N: number,
  IN: number,
  OUT: number,
): void {
  linearForward(Y, X, W0, b, N, IN, OUT);
  // #region exercise multi-lora
  loras.forEach((lora, a) => {
    if (!lora) return;
    const rows: number[] = [];
    for (let n = 0; n < N; n++) if (rowAdapter[n] === a) rows.push(n);
    if (rows.length === 0) return;
    const Xa = new Float32Array(rows.length * IN);
    rows.forEach((n, k) => Xa.set(X.subarray(n * IN, (n + 1) * IN), k * IN));
    const u = new Float32Array(rows.length * lora.r);
    const d = new Float32Array(rows.length * OUT);
    matmulTransBAccumulate(u, Xa, lora.A, rows.length, IN, lora.r);
    const s = loraScale(lora);
    for (let i = 0; i < u.length; i++) u[i] *= s;
    matmulTransBAccumulate(d, u, lora.B, rows.length, lora.r, OUT);
    rows.forEach((n, k) => {
      for (let o = 0; o < OUT; o++) Y[n * OUT + o] += d[k * OUT + o];
    });
  });
  // #endregion
}

// Logits [B·T, V] for a batch of B requests of T tokens, request b using adapters[choice[b]] (−1: base).
export function multiLoraLogits(
  base: GPT,
  adapters: Adapter[],
  batch: number[][],
  choice: number[],
): Float32Array {
  const B = batch.length;
  const T = batch[0]?.length ?? 0;
  if (choice.length !== B)
    throw new UserError(`multi-LoRA: ${B} requests but ${choice.length} adapter choices`);
  choice.forEach((c, b) => {
    if (!Number.isInteger(c) || c < -1 || c >= adapters.length)
      throw new UserError(
        `multi-LoRA: request ${b} asks for adapter ${c}; there are ${adapters.length} (use −1 for the base)`,
      );
  });
  if (batch.some((s) => s.length !== T))
    throw new UserError("multi-LoRA: every request in a batch must have the same length");
  const rowAdapter = new Int32Array(B * T);
  choice.forEach((c, b) => rowAdapter.fill(c, b * T, (b + 1) * T));
  // per (layer, target): the LoraWeights of each adapter, or undefined where it does not adapt that linear
  const lookup = (l: number, t: string) =>
    adapters.map((a) => a.entries.find((e) => e.layer === l && e.target === t)?.lora);
  return forwardWithLinears(base, batch.flat(), B, T, (l, t, X, N, IN, OUT, w) => {
    const Y = new Float32Array(N * OUT);
    multiLoraLinear(
      Y,
      X,
      w.weight as Float32Array,
      w.bias as Float32Array,
      lookup(l, t),
      rowAdapter,
      N,
      IN,
      OUT,
    );
    return Y;
  });
}
