// The router of a mixture-of-experts layer (Shazeer et al. 2017, "Outrageously Large Neural
// Networks"; Mixtral, Jiang et al. 2024, §2.1).
//
// Each token t has one router logit per expert, z_t = x_t·W_r  [E]. The router turns them into
// probabilities and keeps the k best:
//
//   p_t   = softmax(z_t)                                  [E], sums to 1
//   S_t   = the k experts with the largest p_t,e           (ties: the lower expert index)
//   w_t,e = p_t,e / Σ_{j∈S_t} p_t,j     for e ∈ S_t        [k], sums to 1
//
// Renormalizing the k kept probabilities is the same as a softmax over the k kept logits only,
// which is how Mixtral writes it: e^{z_e} / Σ_{j∈S} e^{z_j}, the full softmax's denominator
// cancels. Softmax is monotone, so the top k of p are the top k of z.

export interface Routing {
  experts: Int32Array; // [N, k]: the chosen experts of each token, best first
  weights: Float32Array; // [N, k]: their gates, each row sums to 1
  probs: Float32Array; // [N, E]: the full softmax, which the load-balancing loss needs
}

// logits [N, E] → the k experts of each token and their weights
export function routerTopK(logits: Float32Array, N: number, E: number, k: number): Routing {
  if (logits.length !== N * E)
    throw new Error(`routerTopK: logits has ${logits.length} values, expected N·E = ${N * E}`);
  if (!Number.isInteger(k) || k < 1 || k > E)
    throw new Error(`routerTopK: k must be an integer in 1…${E}, got ${k}`);
  const probs = new Float32Array(N * E);
  const experts = new Int32Array(N * k);
  const weights = new Float32Array(N * k);
  for (let t = 0; t < N; t++) {
    // softmax of row t, the row maximum subtracted so that e^z cannot overflow
    const z = logits.subarray(t * E, (t + 1) * E);
    let max = -Infinity;
    for (let e = 0; e < E; e++) max = Math.max(max, z[e]);
    let sum = 0;
    for (let e = 0; e < E; e++) sum += Math.exp(z[e] - max);
    for (let e = 0; e < E; e++) probs[t * E + e] = Math.exp(z[e] - max) / sum;
    const p = probs.subarray(t * E, (t + 1) * E);
    // #region exercise router-top-k
    // k passes of "the largest not yet taken"; E is small (8 in Mixtral), so this beats a sort.
    // A strict > keeps the first (lowest) index among equal probabilities.
    const taken = new Uint8Array(E);
    let kept = 0;
    for (let r = 0; r < k; r++) {
      let best = -1;
      for (let e = 0; e < E; e++) if (!taken[e] && (best < 0 || p[e] > p[best])) best = e;
      taken[best] = 1;
      experts[t * k + r] = best;
      kept += p[best];
    }
    for (let r = 0; r < k; r++) weights[t * k + r] = p[experts[t * k + r]] / kept;
    // #endregion
  }
  return { experts, weights, probs };
}

// The Switch Transformer load-balancing loss (Fedus et al. 2021, eq. 4), without its α:
//
//   L_aux = E · Σ_i f_i · P_i
//   f_i   = fraction of the routing slots sent to expert i      (a count: no gradient)
//   P_i   = (1/N) Σ_t p_t,i, the mean router probability of i   (differentiable)
//
// Switch routes each token to one expert (k = 1), so its f_i is "the fraction of tokens". With
// top-k each token fills k slots, and we divide the count by all N·k of them, so Σ_i f_i = 1
// for every k. Hugging Face's Mixtral load_balancing_loss_func takes the mean of the [N, k, E]
// one-hot mask over tokens and then sums over k, so its f sums to k and its loss is k times
// ours; the gradient points the same way. With our f:
//   uniform routing, f_i = P_i = 1/E          → L_aux = E · E · (1/E²) = 1, the minimum
//   every token on one expert, f = P = one-hot → L_aux = E
// Why f·P and not f² alone: f cannot be differentiated (it counts argmaxes), P can; the product
// pushes down the probability of exactly the experts that receive too many tokens.

// probs [N, E], experts [N, k] → L_aux
export function loadBalancingLoss(
  probs: Float32Array,
  experts: Int32Array,
  N: number,
  E: number,
  k: number,
): number {
  if (probs.length !== N * E || experts.length !== N * k)
    throw new Error(`loadBalancingLoss: expected probs [${N}, ${E}] and experts [${N}, ${k}]`);
  let loss = 0;
  // #region exercise load-balancing-loss
  const f = new Float64Array(E);
  const P = new Float64Array(E);
  for (let s = 0; s < N * k; s++) f[experts[s]] += 1 / (N * k);
  for (let t = 0; t < N; t++) for (let e = 0; e < E; e++) P[e] += probs[t * E + e] / N;
  for (let e = 0; e < E; e++) loss += E * f[e] * P[e];
  // #endregion
  return loss;
}

// The fraction f_i of routing slots per expert [E] (what the loss multiplies by P).
export function slotFractions(experts: Int32Array, E: number): Float64Array {
  const f = new Float64Array(E);
  for (let s = 0; s < experts.length; s++) f[experts[s]] += 1 / experts.length;
  return f;
}

// ∂L_aux/∂z [N, E], for training. f is a constant (a count), so only P carries gradient:
//   ∂L/∂p_t,i = E·f_i / N =: g_i
// and through the softmax of row t, ∂p_i/∂z_j = p_i(δ_ij − p_j):
//   ∂L/∂z_t,j = p_t,j · (g_j − Σ_i p_t,i · g_i)
export function loadBalancingLossGrad(
  probs: Float32Array,
  experts: Int32Array,
  N: number,
  E: number,
): Float32Array {
  const f = slotFractions(experts, E);
  const dz = new Float32Array(N * E);
  for (let t = 0; t < N; t++) {
    let dot = 0;
    for (let i = 0; i < E; i++) dot += probs[t * E + i] * ((E * f[i]) / N);
    for (let j = 0; j < E; j++) dz[t * E + j] = probs[t * E + j] * ((E * f[j]) / N - dot);
  }
  return dz;
}

// ∂loss/∂z [N, E] from ∂loss/∂w [N, k], the gradient the expert outputs send to their gates.
// The chosen set S is a constant (top-k is piecewise constant), and w = softmax over S, so
//   ∂w_r/∂z_j = w_r(δ_rj − w_j) for j ∈ S, and 0 for every expert outside S:
//   ∂loss/∂z_j = w_j · (dw_j − Σ_r w_r · dw_r)
// The router learns only through the experts it picked (and through L_aux).
export function routerTopKBackward(
  dWeights: Float32Array,
  routing: Routing,
  N: number,
  E: number,
  k: number,
): Float32Array {
  const dz = new Float32Array(N * E);
  for (let t = 0; t < N; t++) {
    let dot = 0;
    for (let r = 0; r < k; r++) dot += routing.weights[t * k + r] * dWeights[t * k + r];
    for (let r = 0; r < k; r++) {
      const w = routing.weights[t * k + r];
      dz[t * E + routing.experts[t * k + r]] = w * (dWeights[t * k + r] - dot);
    }
  }
  return dz;
}
