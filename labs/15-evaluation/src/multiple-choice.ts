// Scoring one multiple-choice question the way lm-evaluation-harness does.
//
// Every option i is a continuation of the question; the model "answers" the option
// with the largest log-likelihood ℓ_i = log p(option_i | question):
//
//   acc       = [ argmax_i ℓ_i            = gold ]
//   acc_norm  = [ argmax_i ℓ_i / len_i    = gold ]      len_i = characters of option i
//
// A long option is a product of more probabilities below 1, so plain ℓ favours short
// options. acc_norm divides by the length in characters (Python's len of the option
// string: "莉莉" is 2, "Xiao Ming" is 9), not in tokens, so that the normalisation does
// not depend on the tokenizer (the harness's choice; Gao 2021 discusses it). Ties go to
// the first option, as numpy's argmax breaks them.

export interface ChoiceScore {
  pred: number; // argmax of ℓ
  predNorm: number; // argmax of ℓ / len
  acc: number; // 0 or 1
  accNorm: number; // 0 or 1
}

// The length lm-evaluation-harness divides by: Unicode code points, as Python's len counts.
export const charLength = (s: string): number => [...s].length;

export function scoreChoices(lls: readonly number[], choices: readonly string[], gold: number): ChoiceScore {
  if (lls.length !== choices.length || lls.length === 0)
    throw new Error(`scoreChoices: ${lls.length} log-likelihoods for ${choices.length} options`);
  if (!Number.isInteger(gold) || gold < 0 || gold >= lls.length)
    throw new Error(`scoreChoices: the gold index ${gold} is not one of the ${lls.length} options`);
  // #region exercise acc-norm
  let pred = 0;
  let predNorm = 0;
  const norm = (i: number) => lls[i] / charLength(choices[i]);
  for (let i = 1; i < lls.length; i++) {
    if (lls[i] > lls[pred]) pred = i;
    if (norm(i) > norm(predNorm)) predNorm = i;
  }
  return { pred, predNorm, acc: pred === gold ? 1 : 0, accNorm: predNorm === gold ? 1 : 0 };
  // #endregion
}
