// Loss scaling (Micikevicius et al. 2018, "Mixed Precision Training", §3.2), with the dynamic
// update rule of PyTorch's torch.amp.GradScaler.
//
// Many gradients of a small network are below fp16's smallest subnormal, 2^-24 ≈ 6e-8, and
// round to 0 (src/formats.ts). Multiplying the loss by S multiplies every gradient by S
// (the chain rule is linear), which lifts them into fp16's range; dividing by S in fp32
// before the optimizer step gives back the same update. A power of two keeps both
// multiplications exact: they only move the exponent.
//
// Too large an S overflows instead (fp16's max is 65504): some gradient becomes inf or NaN.
// Dynamic scaling finds the largest S that does not overflow, and keeps tracking it:
//
//   if the scaled gradients hold an inf or NaN:   skip the step, S ← S · backoff, good ← 0
//   else:                                          take the step, good ← good + 1
//        and after growthInterval good steps:      S ← S · growth, good ← 0
//
// PyTorch's defaults: S₀ = 2^16, growth 2, backoff 0.5, growthInterval 2000. A static scaler
// keeps S fixed (Micikevicius et al. used 8 to 32K per network); it still skips a step whose
// gradients overflowed, since applying inf would destroy the weights.

export interface LossScalerOptions {
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
  dynamic?: boolean; // false: a static scale, never changed
}

export type StepDecision = "step" | "skip";

export class LossScaler {
  scale: number;
  goodSteps = 0; // steps since the last overflow or growth (GradScaler's _growth_tracker)
  skipped = 0; // steps skipped so far
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  readonly dynamic: boolean;

  constructor(opts: LossScalerOptions = {}) {
    this.scale = opts.initScale ?? 2 ** 16;
    this.growthFactor = opts.growthFactor ?? 2;
    this.backoffFactor = opts.backoffFactor ?? 0.5;
    this.growthInterval = opts.growthInterval ?? 2000;
    this.dynamic = opts.dynamic ?? true;
    if (!(this.scale > 0)) throw new Error(`LossScaler: initScale must be > 0, got ${this.scale}`);
    if (!(this.growthInterval >= 1))
      throw new Error(`LossScaler: growthInterval must be ≥ 1, got ${this.growthInterval}`);
  }

  // A static scaler: S fixed, overflowing steps still skipped.
  static constant(scale: number): LossScaler {
    return new LossScaler({ initScale: scale, dynamic: false });
  }

  // Called once per step, after the scaled backward: may the optimizer step, and the next S.
  update(foundInf: boolean): StepDecision {
    if (!this.dynamic) {
      if (foundInf) this.skipped++;
      return foundInf ? "skip" : "step";
    }
    // #region exercise loss-scale-update
    if (foundInf) {
      this.scale *= this.backoffFactor;
      this.goodSteps = 0;
      this.skipped++;
      return "skip";
    }
    this.goodSteps++;
    if (this.goodSteps === this.growthInterval) {
      this.scale *= this.growthFactor;
      this.goodSteps = 0;
    }
    return "step";
    // #endregion
  }
}

// Any inf or NaN among the (scaled, fp16) gradients: GradScaler's found_inf.
export function hasInfOrNaN(g: ArrayLike<number>): boolean {
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i])) return true;
  return false;
}
