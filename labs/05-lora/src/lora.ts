// The LoRA layer (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language
// Models", §4.1). A frozen weight W₀ gets a trainable low-rank update:
//
//   h = W₀x + ΔWx = W₀x + (α/r)·B·A·x        B ∈ ℝ^{d×r}, A ∈ ℝ^{r×k}, r ≪ min(d, k)
//
// x has k = IN features, h has d = OUT. A and B keep the paper's (and Hugging Face
// PEFT's lora_A / lora_B) shapes: A [r, IN], B [OUT, r]. A starts random and B at
// zero, so BA = 0 and training starts exactly at the base model; α/r keeps the
// size of the update from growing with r, so α need not be retuned when r changes.
//
// Our specimen's linears are GPT-2 Conv1D: W₀ stored [IN, OUT], rows of x times W₀.
// In that layout, for N rows X [N, IN]:
//
//   Y = X·W₀ + b + s·(X·Aᵀ)·Bᵀ        s = α/r
//
// computed right to left: u = X·Aᵀ is only [N, r], so the extra cost is
// N·r·(IN + OUT) multiply-adds next to the base's N·IN·OUT.

import { UserError } from "@llm-labs/kit";
import { Rng, matmulTransBAccumulate, type Floats } from "@llm-labs/tensor";
import { linearForward } from "@llm-labs/model";

export interface LoraWeights {
  IN: number; // k, input features
  OUT: number; // d, output features
  r: number;
  alpha: number;
  A: Floats; // [r, IN]
  B: Floats; // [OUT, r]
}

export const loraScale = (l: { r: number; alpha: number }): number => l.alpha / l.r;

export function checkRankAlpha(r: number, alpha: number, where = "LoRA"): void {
  if (!Number.isInteger(r) || r <= 0)
    throw new UserError(`${where}: rank r must be a whole number ≥ 1, got ${r}`);
  if (!Number.isFinite(alpha) || alpha <= 0)
    throw new UserError(`${where}: α (alpha) must be a number > 0, got ${alpha}`);
}

// A learner's (or a file's) adapter against the layer it is meant for.
export function checkLora(l: LoraWeights, IN: number, OUT: number, where = "LoRA"): void {
  checkRankAlpha(l.r, l.alpha, where);
  if (l.IN !== IN || l.OUT !== OUT)
    throw new UserError(
      `${where}: the adapter is for a [${l.IN} → ${l.OUT}] layer, this layer is [${IN} → ${OUT}]`,
    );
  if (l.A.length !== l.r * IN)
    throw new UserError(
      `${where}: A must be [r, IN] = [${l.r}, ${IN}] (${l.r * IN} values), got ${l.A.length}`,
    );
  if (l.B.length !== OUT * l.r)
    throw new UserError(
      `${where}: B must be [OUT, r] = [${OUT}, ${l.r}] (${OUT * l.r} values), got ${l.B.length}`,
    );
}

// A ~ N(0, 1/IN) (each u = A·x then has about x's scale), B = 0.
export function initLora(
  IN: number,
  OUT: number,
  r: number,
  alpha: number,
  rng: Rng,
  dtype: "float32" | "float64" = "float32",
): LoraWeights {
  checkRankAlpha(r, alpha);
  const F = dtype === "float64" ? Float64Array : Float32Array;
  const A = new F(r * IN);
  for (let i = 0; i < A.length; i++) A[i] = rng.normal(0, 1 / Math.sqrt(IN));
  return { IN, OUT, r, alpha, A, B: new F(OUT * r) };
}

// Y[N, OUT] = X·W₀ + b + s·(X·Aᵀ)·Bᵀ   (Y is overwritten)
export function loraForward(Y: Floats, X: Floats, W0: Floats, b: Floats, lora: LoraWeights, N: number): void {
  const { IN, OUT, r, A, B } = lora;
  checkLora(lora, W0.length / OUT, b.length);
  // #region exercise lora-forward
  linearForward(Y, X, W0, b, N, IN, OUT);
  const u = X instanceof Float64Array ? new Float64Array(N * r) : new Float32Array(N * r);
  matmulTransBAccumulate(u, X, A, N, IN, r);
  const s = loraScale(lora);
  for (let i = 0; i < u.length; i++) u[i] *= s;
  matmulTransBAccumulate(Y, u, B, N, r, OUT);
  // #endregion
}

// Trainable numbers of one adapted layer: r·(IN + OUT), against IN·OUT frozen.
export const loraParamCount = (IN: number, OUT: number, r: number): number => r * (IN + OUT);
