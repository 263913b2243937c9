// The learning-rate schedule: linear warmup, then cosine decay (Loshchilov &
// Hutter 2017, "SGDR", without restarts), as in GPT-3 and nanoGPT's get_lr:
//
//   step < warmup:          η = η_max · (step + 1) / warmup
//   warmup ≤ step ≤ total:  r = (step - warmup) / (total - warmup)
//                           η = η_min + ½ (1 + cos(π·r)) · (η_max - η_min)
//   step > total:           η = η_min
//
// Warmup because Adam's second-moment estimate is noisy for the first steps and
// a full-size step then can wreck the fresh weights; cosine because it spends
// long at high rates and then settles gently.

export interface Schedule {
  maxLr: number;
  minLr: number;
  warmup: number;
  total: number;
}

export function learningRate(step: number, s: Schedule): number {
  if (step < s.warmup) return (s.maxLr * (step + 1)) / s.warmup;
  if (step > s.total) return s.minLr;
  const r = (step - s.warmup) / Math.max(1, s.total - s.warmup);
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * r)) * (s.maxLr - s.minLr);
}
