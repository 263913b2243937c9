// ORPO (Hong et al. 2024, "ORPO: Monolithic Preference Optimization without Reference Model"):
// SFT and preference learning in one loss, with no reference model at all.
//
// SFT alone raises the likelihood of the chosen answer, and of answers like it, the rejected
// ones included. ORPO adds a term that raises the ODDS of the chosen answer over the rejected
// one. With the paper's length-normalised likelihood P(y|x) = exp((1/|y|) Σ_t log π(y_t | x, y_<t)),
// the exponential of the mean per-token log-prob ℓ,
//
//   ℓ = log π(y|x) / |y| < 0,      odds(y) = P(y)/(1 − P(y)),   log odds(y) = ℓ − log(1 − e^ℓ)
//
//   L_OR   = −log σ(log odds(y_w) − log odds(y_l))                              (eq. 7)
//   L_ORPO = (1/P) Σ_i [L_SFT,i + λ·L_OR,i]   over P pairs,     L_SFT,i = −ℓ_w,i                   (eq. 6)
//
// L_SFT here is the chosen completion's NLL per token, averaged over pairs. (TRL's
// ORPOTrainer averages its cross-entropy over every token of the batch instead, the prompt's
// included, so its "nll_loss" is a different number on the same data.) With z the log odds
// ratio and d/dℓ log odds(ℓ) = 1 + e^ℓ/(1 − e^ℓ) = 1/(1 − e^ℓ):
//
//   ∂L_OR/∂ℓ_w = −σ(−z)/(1 − e^ℓ_w)        ∂L_OR/∂ℓ_l = +σ(−z)/(1 − e^ℓ_l)
//
// and ∂ℓ/∂(summed log-prob) = 1/|y|. This is the paper's gradient analysis: σ(−z) is its
// δ(d), large while the pair is ordered wrongly, and the 1/(1 − P(y)) factors are its h(d),
// which weigh an answer's push by how close its likelihood already is to 1.

import { checkPairs, logSigmoid, sigmoid, type PairLogProbs, type PreferenceLoss } from "./dpo.ts";

// log(1 − e^x) for x < 0. Near 0, 1 − e^x cancels, so take −expm1(x) there; far from 0, e^x
// is tiny and log1p keeps its digits. The switch at −ln 2 is where both are equally good
// (Mächler 2012, "Accurately Computing log(1 − exp(−|a|))").
export function log1mexp(x: number): number {
  return x < -Math.LN2 ? Math.log1p(-Math.exp(x)) : Math.log(-Math.expm1(x));
}

// One pair, from the mean log-probs ℓ_w and ℓ_l: z, L_OR and ∂L_OR/∂ℓ of both.
function oddsRatioTerm(lw: number, ll: number): { z: number; lOR: number; dLw: number; dLl: number } {
  // #region exercise orpo-odds-ratio
  const z = lw - log1mexp(lw) - (ll - log1mexp(ll));
  const s = sigmoid(-z);
  return { z, lOR: -logSigmoid(z), dLw: -s / -Math.expm1(lw), dLl: s / -Math.expm1(ll) };
  // #endregion
}

// Summed log-probs [P] and completion lengths [P] of the chosen and rejected answers, and λ
// → the ORPO loss, its gradient with respect to the summed log-probs, and TRL's metrics.
export function orpoLoss(
  policy: PairLogProbs,
  lengths: { chosen: ArrayLike<number>; rejected: ArrayLike<number> },
  lambda: number,
): PreferenceLoss {
  const P = checkPairs("orpoLoss", {
    "policy.chosen": policy.chosen,
    "policy.rejected": policy.rejected,
    "lengths.chosen": lengths.chosen,
    "lengths.rejected": lengths.rejected,
  });
  if (!(lambda >= 0) || !Number.isFinite(lambda))
    throw new Error(`orpoLoss: lambda must be a finite number ≥ 0, got ${lambda}`);
  const dChosen = new Float64Array(P);
  const dRejected = new Float64Array(P);
  let loss = 0;
  let nll = 0;
  let logSigmoidZ = 0;
  let zSum = 0;
  let lwSum = 0;
  let llSum = 0;
  for (let i = 0; i < P; i++) {
    const nw = lengths.chosen[i];
    const nl = lengths.rejected[i];
    if (!(nw >= 1 && nl >= 1))
      throw new Error(`orpoLoss: pair ${i} has a completion of length ${Math.min(nw, nl)}`);
    const lw = policy.chosen[i] / nw;
    const ll = policy.rejected[i] / nl;
    // ℓ = 0 is P(y) = 1: infinite odds, and a log-prob above 0 is no log-prob at all.
    if (!(lw < 0 && ll < 0))
      throw new Error(`orpoLoss: pair ${i} has mean log-probs ${lw} and ${ll}; both must be < 0`);
    const t = oddsRatioTerm(lw, ll);
    loss += (-lw + lambda * t.lOR) / P;
    dChosen[i] = (-1 + lambda * t.dLw) / (P * nw);
    dRejected[i] = (lambda * t.dLl) / (P * nl);
    nll -= lw / P;
    logSigmoidZ -= t.lOR / P;
    zSum += t.z / P;
    lwSum += lw / P;
    llSum += ll / P;
  }
  // TRL's ORPOTrainer names: "log_odds_ratio" is the mean log σ(z) (= −L_OR, 0 when the
  // chosen answer's odds win by far), "log_odds_chosen" the mean z itself; its logps are
  // the length-normalised ℓ.
  const metrics = {
    nll_loss: nll,
    log_odds_ratio: logSigmoidZ,
    log_odds_chosen: zSum,
    "logps/chosen": lwSum,
    "logps/rejected": llSum,
  };
  return { loss, dChosen, dRejected, metrics };
}
