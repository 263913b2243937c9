// Calibration: when the model says 70 %, is it right 70 % of the time?
//
// Guo et al. 2017 (§2): give each question the model's confidence p̂_i (here: the
// softmax over the four options' log-likelihoods, at the option it picks) and a
// 0/1 correctness. Sort the questions into M equal-width bins by confidence,
// B_m = ((m − 1)/M, m/M], and compare, bin by bin, the accuracy with the mean
// confidence:
//
//   acc(B_m)  = (1/|B_m|) Σ_{i∈B_m} correct_i        conf(B_m) = (1/|B_m|) Σ_{i∈B_m} p̂_i
//   ECE       = Σ_m (|B_m| / n) · |acc(B_m) − conf(B_m)|
//
// A reliability diagram plots acc(B_m) against conf(B_m); a calibrated model lies on
// the diagonal. Over four options p̂ ≥ 1/4, so the low bins stay empty.

export interface Bin {
  lo: number;
  hi: number;
  count: number;
  accuracy: number; // NaN when the bin is empty
  confidence: number;
}

export interface Calibration {
  ece: number;
  bins: Bin[];
}

// Bin m holds the confidences in ((m − 1)/M, m/M]; a confidence of exactly 0 goes to bin 1.
export const binOf = (p: number, M: number): number => Math.min(M - 1, Math.max(0, Math.ceil(p * M) - 1));

export function calibration(confidence: readonly number[], correct: readonly number[], M = 10): Calibration {
  if (confidence.length !== correct.length || confidence.length === 0)
    throw new Error(`calibration: ${confidence.length} confidences for ${correct.length} answers`);
  // #region exercise ece
  const n = confidence.length;
  const count = new Array<number>(M).fill(0);
  const right = new Array<number>(M).fill(0);
  const conf = new Array<number>(M).fill(0);
  for (let i = 0; i < n; i++) {
    const m = binOf(confidence[i], M);
    count[m]++;
    right[m] += correct[i];
    conf[m] += confidence[i];
  }
  let ece = 0;
  const bins: Bin[] = [];
  for (let m = 0; m < M; m++) {
    const accuracy = right[m] / count[m];
    const confidenceM = conf[m] / count[m];
    if (count[m] > 0) ece += (count[m] / n) * Math.abs(accuracy - confidenceM);
    bins.push({ lo: m / M, hi: (m + 1) / M, count: count[m], accuracy, confidence: confidenceM });
  }
  return { ece, bins };
  // #endregion
}
