// DPO (Rafailov et al. 2023, "Direct Preference Optimization: Your Language Model is Secretly a
// Reward Model"): preference learning as a classification loss on log-probabilities.
//
// RLHF fits a reward model r(x, y) and then maximises it under a KL leash to a reference
// policy π_ref. That problem has a closed-form optimum, π*(y|x) ∝ π_ref(y|x)·exp(r(x, y)/β),
// which read backwards says every policy defines an implicit reward (eq. 5)
//
//   r̂(x, y) = β · log π(y|x)/π_ref(y|x)        (+ β log Z(x), which cancels in a pair)
//
// Put r̂ into the Bradley–Terry model of "y_w is preferred to y_l", p = σ(r̂(y_w) − r̂(y_l)),
// and maximise its likelihood over the pairs (eq. 7):
//
//   h_i = β·[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]
//   L   = −(1/P) Σ_i log σ(h_i)
//
// No reward model, no sampling: four log-probs per pair. π_ref is frozen, so its two
// log-probs are computed ONCE before training and passed in as arrays (TRL's
// precompute_ref_log_probs): the reference model need not stay in memory.
//
// The gradient, with d/dh log σ(h) = 1 − σ(h) = σ(−h):
//
//   ∂L/∂log π(y_w)_i = −(β/P)·σ(−h_i)        ∂L/∂log π(y_l)_i = +(β/P)·σ(−h_i)
//
// σ(−h) is large where the implicit reward orders the pair wrongly: DPO pushes hardest on
// the pairs it gets wrong. At step 0 the policy IS the reference, every h_i = 0, so
// L = −log σ(0) = ln 2 whatever β and the data are; the gradient there is −β/(2P) per chosen
// log-prob, not 0. A loss that stays at 0.6931 (huggingface/trl#1311, #1627) means the
// policy never moves away from the reference: the gradient is not reaching the weights, or β = 0.

export interface PairLogProbs {
  chosen: ArrayLike<number>; // [P] log π(y_w | x): summed over the completion's tokens
  rejected: ArrayLike<number>; // [P] log π(y_l | x)
}

export interface PreferenceLoss {
  loss: number;
  dChosen: Float64Array; // [P] ∂L/∂ log π(y_w)
  dRejected: Float64Array; // [P] ∂L/∂ log π(y_l)
  metrics: Record<string, number>;
}

// log σ(x) = −log(1 + e^(−x)), written so that neither branch exponentiates a large number.
export const logSigmoid = (x: number): number => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));

// σ(x) = 1/(1 + e^(−x)), again without exp of a large positive number.
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function checkPairs(where: string, named: Record<string, ArrayLike<number>>): number {
  const entries = Object.entries(named);
  const P = entries[0][1].length;
  if (P === 0) throw new Error(`${where}: no pairs (${entries[0][0]} is empty)`);
  for (const [name, xs] of entries) {
    if (xs.length !== P)
      throw new Error(`${where}: ${name} has ${xs.length} entries but ${entries[0][0]} has ${P}`);
    for (let i = 0; i < P; i++)
      if (!Number.isFinite(xs[i]))
        throw new Error(`${where}: ${name}[${i}] is ${xs[i]}, not a finite number`);
  }
  return P;
}

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
};

// policy and reference log-probs [P] each → the DPO loss, its gradient and TRL's metrics.
export function dpoLoss(policy: PairLogProbs, reference: PairLogProbs, beta: number): PreferenceLoss {
  const P = checkPairs("dpoLoss", {
    "policy.chosen": policy.chosen,
    "policy.rejected": policy.rejected,
    "reference.chosen": reference.chosen,
    "reference.rejected": reference.rejected,
  });
  if (!(beta > 0) || !Number.isFinite(beta))
    throw new Error(`dpoLoss: beta must be a finite number > 0 (at β = 0 nothing is learnt), got ${beta}`);
  const rewardChosen = new Float64Array(P); // r̂(y_w) = β·log π(y_w)/π_ref(y_w)
  const rewardRejected = new Float64Array(P);
  const dChosen = new Float64Array(P);
  const dRejected = new Float64Array(P);
  let loss = 0;
  // #region exercise dpo-loss
  for (let i = 0; i < P; i++) {
    rewardChosen[i] = beta * (policy.chosen[i] - reference.chosen[i]);
    rewardRejected[i] = beta * (policy.rejected[i] - reference.rejected[i]);
    const h = rewardChosen[i] - rewardRejected[i];
    loss -= logSigmoid(h) / P;
    const push = (beta * sigmoid(-h)) / P;
    dChosen[i] = -push;
    dRejected[i] = push;
  }
  // #endregion
  // TRL's DPOTrainer logs the same four numbers under these names. A pair counts as right
  // only when r̂(y_w) > r̂(y_l) strictly, so at step 0 (all rewards 0) the accuracy is 0, not ½.
  let right = 0;
  for (let i = 0; i < P; i++) if (rewardChosen[i] > rewardRejected[i]) right++;
  const metrics = {
    "rewards/chosen": mean(rewardChosen),
    "rewards/rejected": mean(rewardRejected),
    "rewards/margins": mean(rewardChosen) - mean(rewardRejected),
    "rewards/accuracies": right / P,
    "logps/chosen": mean(policy.chosen),
    "logps/rejected": mean(policy.rejected),
  };
  return { loss, dChosen, dRejected, metrics };
}
