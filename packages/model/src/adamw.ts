// AdamW: Adam (Kingma & Ba 2015, Algorithm 1) with decoupled weight decay
// (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", Algorithm 2).
// For each parameter θ with gradient g at step t (t = 1, 2, …):
//
//   m ← β1·m + (1 - β1)·g              first moment (a running mean of g)
//   v ← β2·v + (1 - β2)·g²             second moment (a running mean of g²)
//   m̂ = m / (1 - β1^t)   v̂ = v / (1 - β2^t)          bias correction (m, v start at 0)
//   θ ← θ - η·( m̂ / (sqrt(v̂) + ε) + λ·θ )
//
// "Decoupled": the decay λ·θ is applied to θ directly, not added to g, so it is
// not rescaled by 1/sqrt(v̂) (which is what makes L2 regularisation in Adam weak
// for weights with large gradients). As in nanoGPT (configure_optimizers), only
// tensors with ≥ 2 dims decay (matrices and embeddings); biases and LayerNorm
// gains do not, since shrinking them toward 0 has no regularising meaning.

import type { Floats } from "./params.ts";

export interface AdamWOptions {
  beta1?: number; // 0.9
  beta2?: number; // 0.95, nanoGPT's and GPT-3's choice for transformers
  eps?: number; // 1e-8
  weightDecay?: number; // λ, 0.1
}

export class AdamW {
  readonly m: Float32Array;
  readonly v: Float32Array;
  t = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  // decayMask[i] = 1 where parameter i is decayed (matrices), 0 elsewhere.
  constructor(
    readonly size: number,
    readonly decayMask: Uint8Array,
    opts: AdamWOptions = {},
  ) {
    if (decayMask.length !== size)
      throw new Error(`AdamW: decayMask has ${decayMask.length} entries for ${size} parameters`);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.95;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.1;
  }

  // One update of `params` in place, with learning rate `lr` (η at this step).
  step(params: Floats, grads: Floats, lr: number): void {
    if (params.length !== this.size || grads.length !== this.size) {
      throw new Error(
        `AdamW.step: expected ${this.size} parameters and gradients, got ${params.length} and ${grads.length}`,
      );
    }
    this.t++;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd, m, v, decayMask } = this;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    for (let i = 0; i < params.length; i++) {
      const g = grads[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mhat = m[i] / c1;
      const vhat = v[i] / c2;
      params[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + (decayMask[i] ? wd * params[i] : 0));
    }
  }
}

// Global gradient-norm clipping (Pascanu et al. 2013): if ‖g‖₂ > maxNorm, scale
// g by maxNorm/‖g‖₂, so one bad batch cannot throw the weights far. Returns ‖g‖₂.
export function clipGradNorm(grads: Floats, maxNorm: number): number {
  let sq = 0;
  for (let i = 0; i < grads.length; i++) sq += grads[i] * grads[i];
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const s = maxNorm / norm;
    for (let i = 0; i < grads.length; i++) grads[i] *= s;
  }
  return norm;
}
