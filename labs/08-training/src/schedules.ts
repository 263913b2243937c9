// Learning-rate schedules: warmup + cosine, warmup–stable–decay, and the range test
// that picks η_max.
//
// Warmup + cosine is the package's `learningRate` (packages/model/src/schedule.ts,
// Loshchilov & Hutter 2017, as in GPT-3 and nanoGPT). Its catch: the curve depends
// on `total`, so the number of steps must be fixed before training starts, and a
// checkpoint from the middle of a run was trained at a still-high rate.
//
// WSD, warmup–stable–decay (Hu et al. 2024, "MiniCPM", §4): warm up, hold η_max
// for most of the run, then decay over a short final stretch (MiniCPM finds about
// 10% of the steps enough). With D decay steps starting at S = total - D:
//
//   step < warmup:          η = η_max · (step + 1) / warmup      (the same warmup as cosine)
//   warmup ≤ step < S:      η = η_max                            (stable)
//   S ≤ step ≤ total:       r = (step - S) / D                   (decay, r from 0 to 1)
//                           linear:  η = η_min + (η_max - η_min) · (1 - r)
//                           1-sqrt:  η = η_min + (η_max - η_min) · (1 - √r)
//   step > total:           η = η_min
//
// The stable phase does not know `total`: one can keep training at η_max and branch
// a decay off any checkpoint, and that decayed model is as good as a cosine run
// of the same length. MiniCPM decays exponentially; "1-sqrt" is the cooldown that
// Hägele et al. 2024 ("Scaling Laws and Compute-Optimal Training Beyond Fixed
// Training Durations", §3) found better than linear: it drops fast first, then
// lingers near η_min.

import { AdamW, decayMask, type GPT, lossAndGrads, sampleBatch, zeroGrads } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";

export { learningRate, type Schedule } from "@llm-labs/model";

export interface WSDSchedule {
  maxLr: number;
  minLr: number;
  warmup: number;
  total: number;
  decay: number; // D, steps of the final decay (e.g. 10–20% of total)
  shape: "linear" | "1-sqrt";
}

export function wsdLearningRate(step: number, s: WSDSchedule): number {
  if (!(s.decay >= 1 && s.warmup + s.decay <= s.total))
    throw new Error(
      `wsdLearningRate: need 1 ≤ decay and warmup + decay ≤ total, got warmup ${s.warmup}, decay ${s.decay}, total ${s.total}`,
    );
  // the warmup and the tail are the cosine schedule's (schedule.ts); what is new is in between
  if (step < s.warmup) return (s.maxLr * (step + 1)) / s.warmup;
  if (step > s.total) return s.minLr;
  // #region exercise wsd-schedule
  const start = s.total - s.decay; // S, the first step of the decay
  if (step < start) return s.maxLr;
  const r = (step - start) / s.decay;
  const f = s.shape === "linear" ? 1 - r : 1 - Math.sqrt(r);
  return s.minLr + (s.maxLr - s.minLr) * f;
  // #endregion
}

// The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training
// Neural Networks", §3.3): train for a few hundred steps while the rate grows
// exponentially from lo to hi, one rate per step,
//
//   η_i = lo · (hi / lo)^(i / (n - 1))        i = 0 .. n - 1
//
// and watch the loss: flat while η is too small to matter, falling once it is
// useful, then ragged and exploding once it is too large. Smith takes the rate
// where the loss still falls as the largest usable one; fastai's lr_find reports
// the rate at the minimum of the smoothed loss divided by 10. Exponential because
// the interesting rates span several decades.
export function rangeLr(i: number, n: number, lo: number, hi: number): number {
  return lo * (hi / lo) ** (i / Math.max(1, n - 1));
}

// An exponential moving average of the losses with Adam's bias correction
// (β = 0.98 in fastai's lr_find): s_i = β·s_{i-1} + (1 - β)·ℓ_i, reported as s_i / (1 - β^(i+1)),
// so the first values are not pulled toward 0.
export function smoothLosses(losses: number[], beta = 0.98): number[] {
  let s = 0;
  return losses.map((l, i) => {
    s = beta * s + (1 - beta) * l;
    return s / (1 - beta ** (i + 1));
  });
}

// The rate at the minimum of the smoothed loss, and the suggestion: a tenth of it
// (a rate that is safe for a whole run, not just the edge of divergence).
export function pickLr(lrs: number[], smoothed: number[]): { atMin: number; suggested: number } {
  let best = 0;
  for (let i = 1; i < smoothed.length; i++) if (smoothed[i] < smoothed[best]) best = i;
  return { atMin: lrs[best], suggested: lrs[best] / 10 };
}

export interface RangeTestResult {
  lrs: number[];
  losses: number[];
  smoothed: number[];
  stoppedAt: number; // steps actually run (the test stops once the loss has blown up)
}

// Runs the range test on `model` in place (AdamW, no weight decay, one micro-batch
// of B × T per step). Stops early once the smoothed loss passes 4× its minimum, as
// lr_find does: past that point the model is wrecked and the curve says nothing.
// A short test wants a shorter memory than fastai's β = 0.98 (about 50 steps), or
// the smoothed curve lags the rate by most of a decade.
export function lrRangeTest(
  model: GPT,
  tokens: ArrayLike<number>,
  o: { lo: number; hi: number; steps: number; B: number; T: number; seed: number; beta?: number },
): RangeTestResult {
  const rng = new Rng(o.seed);
  const grads = zeroGrads(model);
  const opt = new AdamW(model.params.flat.length, decayMask(model), { weightDecay: 0 });
  const lrs: number[] = [];
  const losses: number[] = [];
  let smoothed: number[] = [];
  let acts: ReturnType<typeof lossAndGrads>["acts"] | undefined;
  for (let i = 0; i < o.steps; i++) {
    const lr = rangeLr(i, o.steps, o.lo, o.hi);
    const { x, y } = sampleBatch(rng, tokens, o.B, o.T);
    grads.flat.fill(0);
    const r = lossAndGrads(model, x, y, o.B, o.T, grads, acts);
    acts = r.acts;
    opt.step(model.params.flat, grads.flat, lr);
    lrs.push(lr);
    losses.push(r.loss);
    smoothed = smoothLosses(losses, o.beta);
    const s = smoothed[i];
    if (!Number.isFinite(s) || s > 4 * Math.min(...smoothed)) break;
  }
  return { lrs, losses, smoothed, stoppedAt: lrs.length };
}
