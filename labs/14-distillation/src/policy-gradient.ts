// MiniLLM's gradient of the reverse KL over whole sequences (Gu et al. 2024, §2.2).
//
// The student writes y = y_1 … y_T itself (on-policy), and the loss is the
// reverse KL between the two models' distributions over sequences:
//
//   L = KL(q ‖ p) = E_{y ~ q} Σ_t r_t,      r_t = log q(y_t | y_<t) − log p(y_t | y_<t)
//
// y depends on the student's weights, so the gradient has the policy-gradient
// (score function) form. Dropping the terms whose expectation is zero (a cost
// r_t' earned before step t does not depend on the choice at t, and E[∇ log q] = 0):
//
//   ∇L = E_y Σ_t [ ∇ KL(q_t ‖ p_t)          the single-step part: exact over the vocabulary
//                + R_{t+1} ∇ log q(y_t) ]   the long-term part: what choosing y_t cost later
//   R_{t+1} = Σ_{t' > t} r_t'
//
// For the logits z_t of position t,  ∇_{z_t} log q(y_t) = onehot(y_t) − q_t.
// MiniLLM also divides R_{t+1} by the number of terms it sums (length
// normalisation), so a long continuation does not get a larger step than a short one.
// (Its teacher-mixed sampling and the language-modelling loss on the side are not here.)

import type { Floats } from "@llm-labs/tensor";
import { reverseKl } from "./divergences.ts";
import { logSoftmax64 } from "./probs.ts";

// teacher, student: [T, V] logits, row t the distribution y_t was drawn from; y: [T].
// ADDS weight · (both parts) into grad [T, V]; returns Σ_t r_t of this sample.
export function sequenceReverseKlGrad(
  teacher: Float32Array,
  student: Float32Array,
  y: ArrayLike<number>,
  V: number,
  grad: Floats,
  weight = 1,
  normalize = true,
): number {
  const T = y.length;
  const r = new Float64Array(T); // r_t = log q(y_t) − log p(y_t)
  const q: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const rowT = teacher.subarray(t * V, (t + 1) * V);
    const rowS = student.subarray(t * V, (t + 1) * V);
    reverseKl(rowT, rowS, grad.subarray(t * V, (t + 1) * V), weight); // single-step part
    const logq = logSoftmax64(rowS);
    const logp = logSoftmax64(rowT);
    r[t] = logq[y[t]] - logp[y[t]];
    q.push(logq.map(Math.exp));
  }
  // #region exercise policy-gradient
  let future = 0; // Σ_{t' > t} r_t', built from the end
  for (let t = T - 1; t >= 0; t--) {
    const terms = T - 1 - t;
    const R = normalize && terms > 0 ? future / terms : future;
    const o = t * V;
    for (let v = 0; v < V; v++) grad[o + v] -= weight * R * q[t][v];
    grad[o + y[t]] += weight * R;
    future += r[t];
  }
  return future;
  // #endregion
}
