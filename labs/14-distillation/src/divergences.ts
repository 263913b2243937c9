// Three ways to measure how far the student q is from the teacher p, one row
// (one position) at a time, each with its gradient with respect to the
// student's logits z (q = softmax(z)), because that gradient is what training
// feeds to the backward pass.
//
// Which is "forward" and which is "reverse" is a convention that projects have
// had to correct in their own docs, so here it is, pinned by a test
// (test/divergences.test.ts) with numbers worked by hand:
//
//   forward KL   KL(p ‖ q) = Σ_v p_v log(p_v / q_v)     expectation under the TEACHER
//                mean-seeking: q must cover every token p likes (Hinton et al. 2015's
//                soft targets; supervised KD)
//   reverse KL   KL(q ‖ p) = Σ_v q_v log(q_v / p_v)     expectation under the STUDENT
//                mode-seeking: q may drop tokens p likes, never put mass where p has none
//                (MiniLLM, Gu et al. 2024)
//   JSD(β)       β KL(p ‖ m) + (1 − β) KL(q ‖ m),  m = β p + (1 − β) q   (GKD, Agarwal et al. 2024)
//                β → 0: ≈ β · KL(p ‖ q);  β → 1: ≈ (1 − β) · KL(q ‖ p)
//
// Every function ADDS weight · ∂D/∂z into grad (weight = 1/N averages over a
// batch's N positions) and returns D itself. The gradients all come from one
// identity: with q = softmax(z),  ∂q_i/∂z_j = q_i (δ_ij − q_j),  so for any
// g_i = ∂D/∂q_i:   ∂D/∂z_j = q_j (g_j − Σ_i q_i g_i).

import type { Floats } from "@llm-labs/tensor";
import { logSoftmax64, type Row } from "./probs.ts";

// Forward KL at temperature τ (Hinton et al. 2015, §2): both models' logits are
// divided by τ, and the loss is scaled by τ² so its gradient keeps the same size
// as τ changes:
//   D = τ² · KL(p_τ ‖ q_τ),      ∂D/∂z_j = τ · (q_τ,j − p_τ,j)
// (g_i = −p_i/q_i in the identity above, and Σ_i p_i = 1.)
export function forwardKl(teacher: Row, student: Row, grad: Floats, weight = 1, tau = 1): number {
  const logp = logSoftmax64(teacher, tau);
  const logq = logSoftmax64(student, tau);
  // #region exercise forward-kl
  let kl = 0;
  for (let v = 0; v < logp.length; v++) {
    const p = Math.exp(logp[v]);
    if (p > 0) kl += p * (logp[v] - logq[v]);
    grad[v] += weight * tau * (Math.exp(logq[v]) - p);
  }
  return tau * tau * kl;
  // #endregion
}

// Reverse KL, exact over the vocabulary (MiniLLM's "single-step" part):
//   D = Σ_v q_v (log q_v − log p_v)
//   g_i = log q_i − log p_i + 1   →   ∂D/∂z_j = q_j (log q_j − log p_j − D)
// (the +1 cancels: Σ_i q_i · 1 = 1.)
export function reverseKl(teacher: Row, student: Row, grad: Floats, weight = 1): number {
  const logp = logSoftmax64(teacher);
  const logq = logSoftmax64(student);
  // #region exercise reverse-kl
  let kl = 0;
  for (let v = 0; v < logq.length; v++) kl += Math.exp(logq[v]) * (logq[v] - logp[v]);
  for (let v = 0; v < logq.length; v++) {
    const q = Math.exp(logq[v]);
    grad[v] += weight * q * (logq[v] - logp[v] - kl);
  }
  return kl;
  // #endregion
}

// Generalized Jensen–Shannon divergence (GKD, Agarwal et al. 2024, §3), 0 < β < 1:
//   m = β p + (1 − β) q
//   D = β Σ p log(p/m) + (1 − β) Σ q log(q/m)
//   g_i = ∂D/∂q_i = (1 − β) log(q_i / m_i)     (the terms from ∂m/∂q cancel:
//         −β(1−β) p_i/m_i − (1−β)² q_i/m_i + (1−β) = (1−β)(1 − m_i/m_i) = 0)
//   ∂D/∂z_j = q_j (g_j − Σ_i q_i g_i)
export function jsd(teacher: Row, student: Row, grad: Floats, beta: number, weight = 1): number {
  if (!(beta > 0 && beta < 1)) throw new Error(`jsd: β must be strictly between 0 and 1, got ${beta}`);
  const logp = logSoftmax64(teacher);
  const logq = logSoftmax64(student);
  const V = logq.length;
  // #region exercise jsd
  const g = new Float64Array(V);
  let d = 0;
  let qg = 0;
  for (let v = 0; v < V; v++) {
    const p = Math.exp(logp[v]);
    const q = Math.exp(logq[v]);
    const logm = Math.log(beta * p + (1 - beta) * q);
    if (p > 0) d += beta * p * (logp[v] - logm);
    if (q > 0) d += (1 - beta) * q * (logq[v] - logm);
    g[v] = (1 - beta) * (logq[v] - logm);
    qg += q * g[v];
  }
  for (let v = 0; v < V; v++) grad[v] += weight * Math.exp(logq[v]) * (g[v] - qg);
  return d;
  // #endregion
}
