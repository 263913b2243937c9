// How sure is a score? The standard error of a metric over n questions.
//
// A benchmark is a sample of questions; another sample would give another score.
// The standard error is the standard deviation of the score over such samples.
// For a mean of 0/1 values (acc) there is a formula, the one lm-evaluation-harness
// reports for means (its mean_stderr):
//
//   SE = s / √n,   s² = Σ (x_i − x̄)² / (n − 1)
//
// For anything else (an ECE, a median, an F1) the harness bootstraps (Efron 1979):
// draw n questions WITH replacement from the n we have, compute the metric on that
// resample, repeat B times, and take the sample standard deviation of the B values:
//
//   SE_boot = sqrt( Σ_b (θ*_b − θ̄*)² / (B − 1) )
//
// The resamples stand in for "other benchmarks like this one". For the mean the two
// agree: the bootstrap's variance is the plug-in σ²/n (σ² with n, not n − 1), so
// SE_boot ≈ SE · √((n − 1)/n).

import { Rng } from "@llm-labs/tensor";

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function sampleStd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

// The harness's closed form for a mean: s / √n.
export const meanStderr = (xs: readonly number[]): number => sampleStd(xs) / Math.sqrt(xs.length);

// The bootstrap standard error of `statistic` over `values` (one per question), from B
// resamples drawn with `rng`. The statistic sees the resampled values in the order drawn.
export function bootstrapStderr<T>(
  values: readonly T[],
  statistic: (sample: T[]) => number,
  B: number,
  rng: Rng,
): number {
  if (values.length === 0) throw new Error("bootstrapStderr: no values");
  if (!Number.isInteger(B) || B < 2)
    throw new Error(`bootstrapStderr: B must be a whole number ≥ 2, got ${B}`);
  // #region exercise bootstrap-stderr
  const n = values.length;
  const thetas: number[] = [];
  for (let b = 0; b < B; b++) {
    const resample = Array.from({ length: n }, () => values[rng.int(n)]);
    thetas.push(statistic(resample));
  }
  return sampleStd(thetas);
  // #endregion
}
