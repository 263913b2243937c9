// GRPO (Shao et al. 2024, "DeepSeekMath", §4.1): PPO without the value head.
//
// PPO needs V_t, a second network as big as the policy, only to have a baseline to subtract.
// GRPO samples G completions of the SAME prompt and lets them be each other's baseline: a
// completion is good if it beats its siblings. With outcome supervision (one score per
// completion, as our judge gives) every token of completion i gets the same advantage
//
//   Â_i = (r_i − mean(r_1 … r_G)) / (std(r_1 … r_G) + ε)
//
// No reward is shaped per token, so the leash to the reference model moves out of the reward
// and into the loss, as a KL term of its own (below).
//
// Layout: a batch of B = P·G rows holds P prompts' groups one after another, rows g·G …
// g·G + G − 1 answering prompt g (TRL's order). Per-token arrays are [B, T] aligned with
// `targets`, as in ppo.ts.
//
// Read for this lab: TRL's GRPOTrainer (its group statistics, its k3 term and its loss) and
// the paper's eq. 3–4.

import { checkShape } from "./ppo.ts";

type Floats = ArrayLike<number>;

// The group-relative advantage of every completion: [B] → [B].
//
// std is the SAMPLE standard deviation, √(Σ (r − mean)² / (G − 1)): TRL's GRPOTrainer takes
// torch's .std(), which divides by G − 1 unless told otherwise, and adds ε = 1e-4. (The
// population std, ÷ G, gives advantages larger by √(G / (G − 1)); the paper does not say.)
// A group whose rewards are all equal has nothing to compare: r − mean = 0, so Â = 0 and the
// group teaches nothing, however good or bad its answers are.
export function groupAdvantages(rewards: Floats, G: number, eps = 1e-4): Float64Array {
  if (!Number.isInteger(G) || G < 2)
    throw new Error(`groupAdvantages: G must be a whole number ≥ 2, got ${G}`);
  if (rewards.length % G !== 0)
    throw new Error(`groupAdvantages: ${rewards.length} rewards do not split into groups of G = ${G}`);
  // #region exercise group-advantage
  const adv = new Float64Array(rewards.length);
  for (let start = 0; start < rewards.length; start += G) {
    let sum = 0;
    for (let i = start; i < start + G; i++) sum += rewards[i];
    const mean = sum / G;
    let squares = 0;
    for (let i = start; i < start + G; i++) squares += (rewards[i] - mean) ** 2;
    const std = Math.sqrt(squares / (G - 1));
    for (let i = start; i < start + G; i++) adv[i] = (rewards[i] - mean) / (std + eps);
  }
  return adv;
  // #endregion
}

// The GRPO loss (eq. 3), minus the objective J, with the advantage of each completion on all
// of its tokens:
//
//   ρ_t  = π(o_t) / π_old(o_t)
//   s_t  = min(ρ_t·Â_i, clip(ρ_t, 1 − ε, 1 + ε)·Â_i)          PPO's surrogate, as in ppo.ts
//   KL_t = π_ref/π − log(π_ref/π) − 1                          k3 (Schulman 2020)
//   L    = −(1/B)·Σ_i (1/|o_i|)·Σ_t (s_t − β·KL_t)
//
// k3: with u = log π_ref − log π, KL_t = e^u − u − 1 ≥ 0 (e^u ≥ 1 + u), 0 only where π = π_ref.
// The tokens are sampled from π, where E[π_ref/π] = 1, so its mean is an unbiased estimate of
// KL(π ‖ π_ref); log(π/π_ref) alone is unbiased too, but it is negative on many tokens and
// noisier. Its gradient: ∂KL_t/∂log π = 1 − π_ref/π, which pulls log π back towards log π_ref.
//
// The mean runs over a completion's tokens first, then over the completions (the paper's
// 1/G Σ_i 1/|o_i| Σ_t; TRL's default "grpo" loss): each completion weighs the same however
// long it is, so a long one's tokens each weigh less. meanKl is averaged the same way.
// ∂L/∂log π_t = −(∂s_t/∂log π − β·(1 − π_ref/π)) / (B·|o_i|), with ∂s_t/∂log π = ρ_t·Â_i on the
// unclipped branch and 0 where the clipped branch is the smaller.
export function grpoLoss(
  logp: Floats, // [B, T], log π of the policy being trained
  logpOld: Floats, // [B, T], log π_old of the rollout (= logp on the first step after sampling)
  logpRef: Floats, // [B, T], log π_ref of the frozen SFT model
  advantages: Floats, // [B], from groupAdvantages
  targets: Floats, // [B, T]
  B: number,
  T: number,
  clipEps: number, // ε (0.2)
  beta: number, // β, the KL weight (DeepSeekMath: 0.04)
): { loss: number; dLogp: Float64Array; meanKl: number; clipFraction: number } {
  if (advantages.length !== B)
    throw new Error(`grpoLoss: advantages has ${advantages.length} numbers, but B = ${B}`);
  checkShape("grpoLoss", B, T, { logp, logpOld, logpRef, targets });
  const dLogp = new Float64Array(B * T);
  let loss = 0;
  let meanKl = 0;
  let clipped = 0;
  let tokens = 0;
  for (let b = 0; b < B; b++) {
    let n = 0; // |o_b|
    for (let t = 0; t < T; t++) if (targets[b * T + t] >= 0) n++;
    if (n === 0) throw new Error(`grpoLoss: row ${b} has no completion tokens, so 1/|o| is undefined`);
    const w = 1 / (B * n); // each token's weight in the mean
    const A = advantages[b];
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (targets[i] < 0) continue;
      const rho = Math.exp(logp[i] - logpOld[i]);
      const rhoClip = Math.min(1 + clipEps, Math.max(1 - clipEps, rho));
      const onClip = rhoClip * A < rho * A; // min took the clipped branch: constant in log π
      const s = onClip ? rhoClip * A : rho * A;
      const u = logpRef[i] - logp[i];
      const klT = Math.exp(u) - u - 1;
      loss -= w * (s - beta * klT);
      meanKl += w * klT;
      dLogp[i] = -w * ((onClip ? 0 : rho * A) - beta * (1 - Math.exp(u)));
      if (onClip) clipped++;
      tokens++;
    }
  }
  return { loss, dLogp, meanKl, clipFraction: clipped / tokens };
}
