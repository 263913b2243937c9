// How much speculation should buy: Leviathan et al. 2023, §3.
//
// Assume each drafted token is accepted independently with probability α
// (α = E[Σ_x min(p(x), q(x))], the overlap of the two distributions).
// One step emits the accepted prefix plus one more token (a residual or the bonus):
//
//   P(k tokens accepted) = α^k (1 − α) for k < γ,  α^γ for k = γ
//   E[tokens per step]   = Σ_{k=0}^{γ} α^k  =  (1 − α^(γ+1)) / (1 − α)          (eq. 1)
//
// A step costs γ draft forwards and ONE target forward. With c = draft cost /
// target cost per forward, a step costs (γc + 1) target forwards, and plain
// decoding makes one token per target forward, so the expected walltime speedup is
//
//   S(α, γ, c) = (1 − α^(γ+1)) / ((1 − α)(γc + 1))                            (Theorem 3.8)
//
// The theorem assumes the target's verify forward over γ+1 tokens costs the same
// as a one-token step (true on a GPU, which is memory-bound at batch 1). On a CPU
// it does not; `speedupWithVerifyCost` takes the measured ratio v = verify / step.

export function expectedTokensPerStep(alpha: number, gamma: number): number {
  if (!(alpha >= 0 && alpha <= 1))
    throw new Error(`expectedTokensPerStep: α must be in [0, 1], got ${alpha}`);
  if (!Number.isInteger(gamma) || gamma < 0)
    throw new Error(`expectedTokensPerStep: γ must be an integer ≥ 0, got ${gamma}`);
  // #region exercise speedup-formula
  if (alpha === 1) return gamma + 1;
  return (1 - alpha ** (gamma + 1)) / (1 - alpha);
  // #endregion
}

export function expectedSpeedup(alpha: number, gamma: number, c: number): number {
  if (!(c >= 0)) throw new Error(`expectedSpeedup: the cost ratio c must be ≥ 0, got ${c}`);
  // #region exercise speedup-formula
  return expectedTokensPerStep(alpha, gamma) / (gamma * c + 1);
  // #endregion
}

// Same, when the verify forward costs v one-token target steps instead of 1.
export function speedupWithVerifyCost(alpha: number, gamma: number, c: number, v: number): number {
  return expectedTokensPerStep(alpha, gamma) / (gamma * c + v);
}

// The γ that maximises S(α, γ, c) over 1 … maxGamma.
export function bestGamma(alpha: number, c: number, maxGamma = 16): number {
  let best = 1;
  for (let g = 2; g <= maxGamma; g++)
    if (expectedSpeedup(alpha, g, c) > expectedSpeedup(alpha, best, c)) best = g;
  return best;
}
