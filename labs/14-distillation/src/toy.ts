// A student too simple to copy its teacher, so that the divergence has to
// choose what to get wrong: the teacher over V = 24 tokens on a line has two
// modes, the student is one bump
//   q_v ∝ exp(−(v − μ)² / 2σ²)          parameters μ and log σ
// The divergences give ∂D/∂z_v; the chain rule through z_v = −(v − μ)² / 2σ² gives
//   ∂D/∂μ = Σ_v ∂D/∂z_v · (v − μ)/σ²,     ∂D/∂log σ = Σ_v ∂D/∂z_v · (v − μ)²/σ²

import { forwardKl, jsd, reverseKl } from "./divergences.ts";

export const TOY_V = 24;

// Two bumps at 6 and 17, width 1.5, equal mass: the teacher's logits.
export function bimodalTeacher(): Float64Array {
  return Float64Array.from({ length: TOY_V }, (_, v) =>
    Math.log(Math.exp(-((v - 6) ** 2) / 4.5) + Math.exp(-((v - 17) ** 2) / 4.5)),
  );
}

export function bumpLogits(mu: number, logSigma: number): Float64Array {
  const s2 = Math.exp(2 * logSigma);
  return Float64Array.from({ length: TOY_V }, (_, v) => -((v - mu) ** 2) / (2 * s2));
}

export type ToyDivergence = "forward KL" | "reverse KL" | "JSD(0.5)" | "JSD(0.9)";

// Gradient descent on (μ, log σ) from μ = 8, σ = 2; returns the fitted bump.
export function fitBump(
  d: ToyDivergence,
  steps = 20000,
  lr = 0.1,
): { mu: number; sigma: number; q: Float64Array } {
  const p = bimodalTeacher();
  let mu = 8;
  let logSigma = Math.log(2);
  for (let i = 0; i < steps; i++) {
    const z = bumpLogits(mu, logSigma);
    const g = new Float64Array(TOY_V);
    if (d === "forward KL") forwardKl(p, z, g);
    else if (d === "reverse KL") reverseKl(p, z, g);
    else jsd(p, z, g, d === "JSD(0.5)" ? 0.5 : 0.9);
    const s2 = Math.exp(2 * logSigma);
    let dMu = 0;
    let dLogSigma = 0;
    for (let v = 0; v < TOY_V; v++) {
      dMu += (g[v] * (v - mu)) / s2;
      dLogSigma += (g[v] * (v - mu) ** 2) / s2;
    }
    mu -= lr * dMu;
    logSigma -= lr * dLogSigma;
  }
  const z = bumpLogits(mu, logSigma);
  let max = -Infinity;
  for (const x of z) max = Math.max(max, x);
  let sum = 0;
  for (const x of z) sum += Math.exp(x - max);
  return { mu, sigma: Math.exp(logSigma), q: z.map((x) => Math.exp(x - max) / sum) };
}
