import { Rng, randn } from "@llm-labs/tensor";
import {
  checkpointDir,
  createGPT,
  crossEntropyBackward,
  forward,
  loadCheckpoint,
  makeConfig,
  type GPT,
} from "@llm-labs/model";

export { maxAbsDiff } from "@llm-labs/tensor";

export const randomArray = (n: number, seed: number, std = 1): Float32Array =>
  randn(new Rng(seed), [n], std).data;

let target: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));

// A tiny GPT with every parameter random (biases and LayerNorm γ, β too), so every path matters.
export const tinyConfig = makeConfig({ n_layer: 2, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 13 });
export function tinyModel(seed: number, dtype: "float32" | "float64" = "float64", std = 0.3): GPT {
  const m = createGPT(tinyConfig, seed, dtype);
  const rng = new Rng(seed + 1);
  for (let i = 0; i < m.params.flat.length; i++) m.params.flat[i] = rng.normal(0, std);
  return m;
}

// Mean next-token cross-entropy of a batch, from the model's own forward.
export function batchLoss(model: GPT, ids: number[], targets: number[], B: number, T: number): number {
  const logits = Float64Array.from(forward(model, ids, B, T).logits);
  return crossEntropyBackward(logits, targets, B * T, model.config.vocab_size);
}

// Y = X·W + b with plain loops, [N, IN] · [IN, OUT].
export function linearRef(
  X: ArrayLike<number>,
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  N: number,
  IN: number,
  OUT: number,
): Float64Array {
  const Y = new Float64Array(N * OUT);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < OUT; o++) {
      let s = b[o];
      for (let i = 0; i < IN; i++) s += X[n * IN + i] * W[i * OUT + o];
      Y[n * OUT + o] = s;
    }
  return Y;
}

// ∂loss/∂θ_i by central differences in float64 (the course's one helper, in @llm-labs/tensor).
export { centralDifference } from "@llm-labs/tensor";
