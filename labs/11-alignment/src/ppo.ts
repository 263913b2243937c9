// PPO for a language model (Schulman et al. 2017, "Proximal Policy Optimization Algorithms";
// Ouyang et al. 2022, InstructGPT §3.5): its pieces as plain arithmetic on [B, T] arrays.
//
// A completion is an episode. The state at position t is the prompt and the tokens so far,
// the action is the next token y_t, and the judge's score comes once, after the last token.
// One rollout gives four numbers per completion token:
//
//   log π_old(y_t)   the policy that sampled the batch (fixed while we train on the batch)
//   log π_ref(y_t)   the frozen SFT model, the leash
//   V_t              the value head's guess of the return from t, the baseline
//   r_t              the reward, built below from the score and the leash
//
// and then, for a few epochs over that batch, log π(y_t) of the policy being trained.
//
// Conventions come from "The N Implementation Details of RLHF with PPO" (Huang et al., ICLR
// blog track 2024) and Hugging Face TRL's PPOTrainer, read for this lab: the KL penalty is
// paid per token and the score sits on the last completion token; γ = 1 and λ = 0.95 are the
// usual settings; advantages are whitened over the batch; the value loss is clipped and
// halved; every loss is a mean over the batch's completion tokens.
//
// Layout: every per-token array is [B, T] and aligned with `targets` (src/sequences.ts):
// position t holds the number for the token ids[t + 1]. Positions whose target is −1 (the
// prompt, the padding) are not steps of the episode; they are read never and written 0.

type Floats = ArrayLike<number>;

// Every [B, T] input must hold B·T numbers; one line names both sizes when it does not.
export function checkShape(where: string, B: number, T: number, arrays: Record<string, Floats>): void {
  for (const [name, a] of Object.entries(arrays))
    if (a.length !== B * T)
      throw new Error(`${where}: ${name} has ${a.length} numbers, but [B, T] = [${B}, ${T}] needs ${B * T}`);
}

// N, the number of completion tokens in the batch: every mean below divides by it.
export function countTokens(where: string, targets: Floats): number {
  let N = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] >= 0) N++;
  if (N === 0) throw new Error(`${where}: the batch has no completion tokens (every target is −1)`);
  return N;
}

// ---------------------------------------------------------------------------
// Rewards (InstructGPT eq. 2, paid per token as Ziegler et al. 2019 and TRL do):
//
//   r_t  = −β·(log π_old(y_t) − log π_ref(y_t))      at every completion token
//   r_T += score                                       at the last completion token only
//
// Summed over a completion, the penalty is −β times a one-sample estimate of
// KL(π_old ‖ π_ref) on that completion: the judge pays for the answer, and every token pays
// for wandering from the SFT model. Paying it per token (not once at the end) tells GAE which
// tokens wandered. It is computed at π_old, so r is a constant of the batch.
export function klPenalizedRewards(
  score: Floats, // [B], the judge's reward of each completion
  logpOld: Floats, // [B, T]
  logpRef: Floats, // [B, T]
  targets: Floats, // [B, T]
  B: number,
  T: number,
  klCoef: number, // β_KL
): Float64Array {
  if (score.length !== B)
    throw new Error(`klPenalizedRewards: score has ${score.length} numbers, but B = ${B}`);
  checkShape("klPenalizedRewards", B, T, { logpOld, logpRef, targets });
  const r = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    let last = -1;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (targets[i] < 0) continue;
      r[i] = -klCoef * (logpOld[i] - logpRef[i]);
      last = i;
    }
    if (last < 0) throw new Error(`klPenalizedRewards: row ${b} has no completion token to carry its score`);
    r[last] += score[b];
  }
  return r;
}

// ---------------------------------------------------------------------------
// Generalised advantage estimation (Schulman et al. 2016, eq. 16), right to left along a row:
//
//   δ_t = r_t + γ·V_{t+1} − V_t      the one-step surprise: what came, against what V expected
//   A_t = δ_t + γλ·A_{t+1}           = Σ_k (γλ)^k·δ_{t+k}
//   R_t = A_t + V_t                  the value head's regression target
//
// where V and A after the last completion token are 0: the episode ends there. λ trades bias
// for variance: λ = 0 is the one-step δ_t (low variance, as wrong as V is), λ = 1 with γ = 1
// is the return Σ_{k≥t} r_k minus V_t (unbiased, as noisy as the sampling). Prompt and
// padding positions are skipped, so V_{t+1} is the value at the next COMPLETION position.
export function gae(
  rewards: Floats, // [B, T], from klPenalizedRewards
  values: Floats, // [B, T], V_t of the rollout
  targets: Floats, // [B, T]
  B: number,
  T: number,
  gamma: number, // γ, the discount
  lambda: number, // λ, GAE's own discount of the δs
): { advantages: Float64Array; returns: Float64Array } {
  checkShape("gae", B, T, { rewards, values, targets });
  // #region exercise gae
  const advantages = new Float64Array(B * T);
  const returns = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    let vNext = 0; // V_{t+1}
    let aNext = 0; // A_{t+1}
    for (let t = T - 1; t >= 0; t--) {
      const i = b * T + t;
      if (targets[i] < 0) continue;
      const delta = rewards[i] + gamma * vNext - values[i];
      aNext = delta + gamma * lambda * aNext;
      vNext = values[i];
      advantages[i] = aNext;
      returns[i] = aNext + values[i];
    }
  }
  return { advantages, returns };
  // #endregion
}

// Whitening (the N details' advantage normalisation; TRL's masked_whiten): shift and scale the
// advantages over the batch's completion tokens to mean 0 and variance 1, so the step does not
// depend on the reward's scale and some tokens are always pushed down, some up. The variance
// is the sample variance, ÷ (n − 1), as TRL's masked_var computes it by default; the 1e-8
// keeps a batch of equal advantages finite. Positions with target −1 come back 0.
export function whiten(x: Floats, targets: Floats): Float64Array {
  if (x.length !== targets.length)
    throw new Error(`whiten: x has ${x.length} numbers, targets ${targets.length}`);
  const n = countTokens("whiten", targets);
  if (n < 2) throw new Error("whiten: a variance needs at least 2 completion tokens, the batch has 1");
  let mean = 0;
  for (let i = 0; i < x.length; i++) if (targets[i] >= 0) mean += x[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (targets[i] >= 0) ss += (x[i] - mean) ** 2;
  const scale = 1 / Math.sqrt(ss / (n - 1) + 1e-8);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) if (targets[i] >= 0) out[i] = (x[i] - mean) * scale;
  return out;
}

// ---------------------------------------------------------------------------
// The clipped surrogate (Schulman et al. 2017, eq. 7), written as a loss to minimise:
//
//   ρ_t = π(y_t) / π_old(y_t) = exp(log π − log π_old)
//   L   = (1/N)·Σ_t max(−A_t·ρ_t, −A_t·clip(ρ_t, 1 − ε, 1 + ε))
//
// The max keeps the worse of the two. With A > 0, pushing ρ above 1 + ε earns nothing more;
// with A < 0, pushing ρ below 1 − ε saves nothing more. On such a token the clipped branch is
// the larger, it is a constant in log π, and the token's gradient is 0: the policy has moved
// as far as this batch licenses. Elsewhere (∂ρ/∂log π = ρ)
//
//   ∂L/∂log π_t = −A_t·ρ_t / N
//
// The clipping is one-sided: a token that moved the WRONG way (A > 0 with ρ < 1 − ε, or
// A < 0 with ρ > 1 + ε) keeps its full gradient, so PPO can always undo a bad step. N counts every completion token of the batch (TRL's masked_mean).
//
// clipFraction: the share of tokens on the clipped branch, i.e. with zero gradient (TRL's
// pg_clipfrac). approxKl: the mean of k3 = (ρ − 1) − log ρ (Schulman 2020, "Approximating KL
// divergence"). The tokens were sampled from π_old, where E[ρ] = 1, so its mean is an unbiased
// estimate of KL(π_old ‖ π), and each term is ≥ 0 because log x ≤ x − 1. TRL logs k2 =
// ½(log ρ)², equal to second order but biased; k3 is also what GRPO's penalty uses (grpo.ts),
// so the lab reads one estimator throughout.
export function clippedPolicyLoss(
  logp: Floats, // [B, T], log π of the policy being trained
  logpOld: Floats, // [B, T], log π_old of the rollout
  advantages: Floats, // [B, T]
  targets: Floats, // [B, T]
  B: number,
  T: number,
  clipEps: number, // ε (0.2 in the paper and TRL)
): { loss: number; dLogp: Float64Array; clipFraction: number; approxKl: number } {
  checkShape("clippedPolicyLoss", B, T, { logp, logpOld, advantages, targets });
  const N = countTokens("clippedPolicyLoss", targets);
  // #region exercise clipped-policy-loss
  const dLogp = new Float64Array(B * T);
  let loss = 0;
  let clipped = 0;
  let kl = 0;
  for (let i = 0; i < B * T; i++) {
    if (targets[i] < 0) continue;
    const logRatio = logp[i] - logpOld[i];
    const ratio = Math.exp(logRatio);
    const lossUnclipped = -advantages[i] * ratio;
    const lossClipped = -advantages[i] * Math.min(Math.max(ratio, 1 - clipEps), 1 + clipEps);
    if (lossClipped > lossUnclipped) {
      loss += lossClipped;
      clipped++;
    } else {
      loss += lossUnclipped;
      dLogp[i] = lossUnclipped / N;
    }
    kl += ratio - 1 - logRatio;
  }
  return { loss: loss / N, dLogp, clipFraction: clipped / N, approxKl: kl / N };
  // #endregion
}

// ---------------------------------------------------------------------------
// The value head's loss, clipped like the policy (the N details' value clipping; TRL's
// vf_loss): the new V may not leave the old V by more than ε_v and earn credit for it.
//
//   V_clip = clip(V, V_old − ε_v, V_old + ε_v)
//   L_V    = ½·(1/N)·Σ_t max((V_t − R_t)², (V_clip,t − R_t)²)
//   ∂L_V/∂V_t = (V_t − R_t)/N on the unclipped branch, 0 where the clipped branch is larger
//
// (where the clipped branch is strictly larger V is outside the band, so V_clip is constant).
export function clippedValueLoss(
  values: Floats, // [B, T], V of the value head being trained
  valuesOld: Floats, // [B, T], V of the rollout
  returns: Floats, // [B, T], R from gae
  targets: Floats, // [B, T]
  B: number,
  T: number,
  clipEps: number, // ε_v
): { loss: number; dValues: Float64Array; clipFraction: number } {
  checkShape("clippedValueLoss", B, T, { values, valuesOld, returns, targets });
  const N = countTokens("clippedValueLoss", targets);
  const dValues = new Float64Array(B * T);
  let sum = 0;
  let held = 0; // tokens on the clipped branch
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] < 0) continue;
    const vClip = Math.min(Math.max(values[i], valuesOld[i] - clipEps), valuesOld[i] + clipEps);
    const free = (values[i] - returns[i]) ** 2;
    const kept = (vClip - returns[i]) ** 2;
    if (kept > free) {
      sum += kept;
      held++;
    } else {
      sum += free;
      dValues[i] = (values[i] - returns[i]) / N;
    }
  }
  return { loss: (0.5 * sum) / N, dValues, clipFraction: held / N };
}
