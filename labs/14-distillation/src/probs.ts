// Rows of logits turned into distributions, in float64: the divergences below
// subtract log-probabilities of two models that agree on most tokens, and in
// float32 those differences would drown in rounding.
//
//   log softmax(z / τ)_v = z_v/τ − max/τ − log Σ_u exp(z_u/τ − max/τ)

export type Row = ArrayLike<number>;

// log softmax of one row at temperature τ (τ = 1: the model's own distribution).
export function logSoftmax64(z: Row, tau = 1): Float64Array {
  const V = z.length;
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (z[v] > max) max = z[v];
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp((z[v] - max) / tau);
  const lse = Math.log(sum);
  const out = new Float64Array(V);
  for (let v = 0; v < V; v++) out[v] = (z[v] - max) / tau - lse;
  return out;
}

// exp of a log-probability row.
export function probs64(logp: Float64Array): Float64Array {
  return logp.map(Math.exp);
}

// Index of the largest value (ties: the lower index, as argmax does everywhere in the course).
export function argmaxRow(z: Row, offset = 0, V = z.length - offset): number {
  let best = 0;
  for (let v = 1; v < V; v++) if (z[offset + v] > z[offset + best]) best = v;
  return best;
}
