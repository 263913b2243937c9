// Log-probabilities of completions: the one number every preference method is built on.
//
// The model gives logits z_t [V] at every position t of a row; position t predicts ids[t + 1].
// The log-probability of the token that came next is the log-softmax at that token:
//
//   log π(y_t | x, y_<t) = z_t[y_t] − log Σ_v exp(z_t[v])
//                        = (z_t[y_t] − m) − log Σ_v exp(z_t[v] − m),    m = max_v z_t[v]
//
// Subtracting the row maximum m changes nothing mathematically and keeps every exp ≤ 1, so a
// logit of 1000 cannot overflow. A completion's log-probability is the sum over its own
// positions, the ones whose target is not −1 (src/sequences.ts: never the prompt, never padding):
//
//   log π(y | x) = Σ_{t : targets[t] ≥ 0} log π(targets[t] | ids[≤ t])
//
// Per-token arrays are [B, T], aligned with `targets`: entry t is about the token at t + 1.

import type { Floats } from "@llm-labs/tensor";

function checkRows(where: string, logits: Floats, targets: Int32Array, V: number): number {
  const N = targets.length;
  if (!Number.isInteger(V) || V < 1) throw new Error(`${where}: V must be a positive integer, got ${V}`);
  if (logits.length !== N * V)
    throw new Error(
      `${where}: logits hold ${logits.length} values but targets × V is ${N} × ${V} = ${N * V}`,
    );
  for (let n = 0; n < N; n++) {
    const y = targets[n];
    if (y < -1 || y >= V) throw new Error(`${where}: target ${y} at position ${n} is outside −1 … ${V - 1}`);
  }
  return N;
}

// Row n's maximum and log Σ_v exp(z[v] − max): log-softmax at v is z[v] − max − that.
function rowLogSumExp(logits: Floats, o: number, V: number): { max: number; lse: number } {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
  return { max, lse: Math.log(sum) };
}

// logits [B·T, V], targets [B·T] → log π(target) [B·T], 0 where the target is −1.
export function tokenLogProbs(logits: Floats, targets: Int32Array, V: number): Float64Array {
  const N = checkRows("tokenLogProbs", logits, targets, V);
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const y = targets[n];
    if (y < 0) continue;
    const o = n * V;
    const { max, lse } = rowLogSumExp(logits, o, V);
    out[n] = logits[o + y] - max - lse;
  }
  return out;
}

function checkBT(where: string, what: string, length: number, B: number, T: number): void {
  if (length !== B * T)
    throw new Error(`${where}: ${what} has ${length} entries but B × T is ${B} × ${T} = ${B * T}`);
}

// tokenLp [B, T] → log π(y | x) [B]: the sum over each row's counted positions.
export function sequenceLogProbs(
  tokenLp: ArrayLike<number>,
  targets: Int32Array,
  B: number,
  T: number,
): Float64Array {
  checkBT("sequenceLogProbs", "tokenLp", tokenLp.length, B, T);
  checkBT("sequenceLogProbs", "targets", targets.length, B, T);
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) if (targets[b * T + t] >= 0) out[b] += tokenLp[b * T + t];
  return out;
}

// targets [B, T] → the number of completion tokens |y| of each row [B].
export function completionLengths(targets: Int32Array, B: number, T: number): Int32Array {
  checkBT("completionLengths", "targets", targets.length, B, T);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) if (targets[b * T + t] >= 0) out[b]++;
  return out;
}

// The backward of tokenLogProbs. For a loss L that depends on the logits only through
// ℓ_t = log π(y_t) = z_t[y_t] − log Σ_v exp(z_t[v]),
//
//   ∂ℓ_t/∂z_t[v] = 1[v = y_t] − softmax(z_t)[v]
//   ∂L/∂z_t[v]   = dℓ_t · (1[v = y_t] − softmax(z_t)[v])     at counted positions, 0 elsewhere
//
// dlogits [B·T, V] is WRITTEN, not added to. It may be `logits` itself: each row is read in
// full before any of it is overwritten, so the model's activations can take the gradient in
// place (packages/model, backwardPass reads ∂L/∂logits from a.logits). dTokenLp [B·T].
export function logProbBackward(
  dlogits: Floats,
  logits: Floats,
  targets: Int32Array,
  dTokenLp: ArrayLike<number>,
  V: number,
): Floats {
  const N = checkRows("logProbBackward", logits, targets, V);
  if (dlogits.length !== logits.length)
    throw new Error(`logProbBackward: dlogits hold ${dlogits.length} values, logits ${logits.length}`);
  if (dTokenLp.length !== N)
    throw new Error(`logProbBackward: dTokenLp has ${dTokenLp.length} entries, targets ${N}`);
  for (let n = 0; n < N; n++) {
    const o = n * V;
    const y = targets[n];
    if (y < 0) {
      dlogits.fill(0, o, o + V);
      continue;
    }
    const g = dTokenLp[n];
    const { max, lse } = rowLogSumExp(logits, o, V);
    for (let v = 0; v < V; v++) dlogits[o + v] = -g * Math.exp(logits[o + v] - max - lse);
    dlogits[o + y] += g;
  }
  return dlogits;
}
