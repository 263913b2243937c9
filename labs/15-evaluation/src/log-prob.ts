// One row of logits as log-probabilities, in float64, the way every scorer of this lab reads them.
//
//   log p(y) = x_y − log Σ_v exp(x_v) = x_y − (m + log Σ_v exp(x_v − m)),   m = max_v x_v
//
// Subtracting the maximum keeps exp from overflowing; the log-sum-exp is the same.

// logits [rows, V]; the log-probability of token y at row `row`.
export function logProbAt(logits: Float32Array, row: number, V: number, y: number): number {
  const o = row * V;
  let m = -Infinity;
  for (let v = 0; v < V; v++) if (logits[o + v] > m) m = logits[o + v];
  let z = 0;
  for (let v = 0; v < V; v++) z += Math.exp(logits[o + v] - m);
  return logits[o + y] - (m + Math.log(z));
}

// The most likely token at `row` (the lowest id among ties, as argmax does in numpy and torch).
export function argmaxAt(logits: Float32Array, row: number, V: number): number {
  const o = row * V;
  let best = 0;
  for (let v = 1; v < V; v++) if (logits[o + v] > logits[o + best]) best = v;
  return best;
}

// The softmax of a few scores (the options' log-likelihoods), in float64.
export function softmax64(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}
