// A mixture-of-experts MLP block (Shazeer et al. 2017; Switch, Fedus et al. 2021; Mixtral,
// Jiang et al. 2024): E expert MLPs, and a router that sends each token to k of them.
//
//   z_t   = x_t·W_r                                   [E]   router logits, W_r [D, E]
//   S_t, w_t = routerTopK(z_t)                        the k experts and their gates
//   y_t   = Σ_{e∈S_t} w_t,e · MLP_e(x_t)              [D]
//   MLP_e(x) = (silu(x·G_e) ⊙ x·U_e)·D_e             SwiGLU, as in Mixtral: G_e, U_e [D, I], D_e [I, D]
//            = relu(x·G_e)·D_e                        or a plain MLP (activation "relu", no U_e)
//
// Each token pays for k experts, not E: "total" parameters grow with E, "active" ones with k.
//
// Capacity (Switch §2.2, GShard). On real hardware each expert gets a fixed-size buffer, so
// that the batch's shapes are known before routing:
//
//   C = ceil(capacityFactor · N · k / E)     slots per expert
//
// N·k/E is what each expert would get if routing were perfectly even; a factor above 1 leaves
// headroom. Tokens claim slots in token order, and within a token in rank order (its first
// choice, then its second). A routing slot that finds its expert full is dropped: that expert
// adds nothing to that token, and the other gate is not renormalized. Switch lets a token whose
// only expert overflowed pass through the layer unchanged: the block adds 0 and the residual
// connection around it (h = x + y) carries x on to the next layer.

import { type Routing, routerTopK } from "./router.ts";

export interface MoeWeights {
  D: number; // model width
  I: number; // hidden width of one expert
  E: number; // number of experts
  activation: "swiglu" | "relu";
  Wr: Float32Array; // [D, E]: the router
  Wg: Float32Array; // [E, D, I]: the gate projection (for "relu": the only up projection)
  Wu: Float32Array | null; // [E, D, I]: the up projection, SwiGLU only
  Wd: Float32Array; // [E, I, D]: the down projection
}

export interface MoeOptions {
  k: number; // experts per token
  capacityFactor?: number; // undefined or Infinity: no capacity limit, nothing dropped
}

export interface MoeStats {
  capacity: number; // C, slots per expert (Infinity without a limit)
  wanted: Int32Array; // [E]: routing slots that asked for each expert
  kept: Int32Array; // [E]: slots each expert actually processed, ≤ C
  dropped: number; // slots past capacity, over all experts
  keep: Uint8Array; // [N, k]: 1 where the slot found room
}

export interface MoeResult {
  y: Float32Array; // [N, D]
  routing: Routing;
  stats: MoeStats;
}

// C = ceil(cf · N · k / E)
export function expertCapacity(capacityFactor: number, N: number, k: number, E: number): number {
  return Math.ceil((capacityFactor * N * k) / E);
}

// experts [N, k] → which slots get processed, first come first served
export function assignSlots(
  experts: Int32Array,
  N: number,
  k: number,
  E: number,
  capacity: number,
): MoeStats {
  const wanted = new Int32Array(E);
  const kept = new Int32Array(E);
  const keep = new Uint8Array(N * k);
  let dropped = 0;
  for (let t = 0; t < N; t++) {
    for (let r = 0; r < k; r++) {
      const e = experts[t * k + r];
      wanted[e]++;
      // #region exercise expert-capacity
      if (kept[e] < capacity) {
        kept[e]++;
        keep[t * k + r] = 1;
      } else {
        dropped++;
      }
      // #endregion
    }
  }
  return { capacity, wanted, kept, dropped, keep };
}

// One expert on one token: x [D] → out [D] (accumulated as out += gate · MLP_e(x))
function expertInto(out: Float32Array, x: Float32Array, w: MoeWeights, e: number, gate: number): void {
  const { D, I } = w;
  const h = new Float32Array(I);
  const gOff = e * D * I;
  for (let i = 0; i < I; i++) {
    let a = 0;
    let b = 0;
    for (let d = 0; d < D; d++) {
      a += x[d] * w.Wg[gOff + d * I + i];
      if (w.Wu) b += x[d] * w.Wu[gOff + d * I + i];
    }
    h[i] = w.activation === "swiglu" ? (a / (1 + Math.exp(-a))) * b : Math.max(0, a);
  }
  const dOff = e * I * D;
  for (let i = 0; i < I; i++) {
    const hi = gate * h[i];
    for (let d = 0; d < D; d++) out[d] += hi * w.Wd[dOff + i * D + d];
  }
}

// x [N, D] → router logits [N, E] = x·W_r
export function routerLogits(x: Float32Array, w: MoeWeights, N: number): Float32Array {
  const { D, E } = w;
  const z = new Float32Array(N * E);
  for (let t = 0; t < N; t++)
    for (let d = 0; d < D; d++) {
      const xv = x[t * D + d];
      for (let e = 0; e < E; e++) z[t * E + e] += xv * w.Wr[d * E + e];
    }
  return z;
}

// x [N, D] → y [N, D], the routing, and who was dropped
export function moeForward(x: Float32Array, w: MoeWeights, N: number, opts: MoeOptions): MoeResult {
  const { D, E } = w;
  const { k } = opts;
  if (x.length !== N * D) throw new Error(`moeForward: x has ${x.length} values, expected N·D = ${N * D}`);
  if (w.activation === "swiglu" && !w.Wu) throw new Error("moeForward: a SwiGLU expert needs Wu");
  const routing = routerTopK(routerLogits(x, w, N), N, E, k);
  const cf = opts.capacityFactor ?? Infinity;
  const capacity = Number.isFinite(cf) ? expertCapacity(cf, N, k, E) : Infinity;
  const stats = assignSlots(routing.experts, N, k, E, capacity);
  const y = new Float32Array(N * D);
  for (let t = 0; t < N; t++) {
    const xt = x.subarray(t * D, (t + 1) * D);
    const yt = y.subarray(t * D, (t + 1) * D);
    for (let r = 0; r < k; r++)
      if (stats.keep[t * k + r])
        expertInto(yt, xt, w, routing.experts[t * k + r], routing.weights[t * k + r]);
  }
  return { y, routing, stats };
}

// Parameters: all of them, and those one token uses (the router, plus k experts).
export function moeParams(w: Pick<MoeWeights, "D" | "I" | "E" | "activation">, k: number) {
  const perExpert = (w.activation === "swiglu" ? 3 : 2) * w.D * w.I;
  const router = w.D * w.E;
  return { total: router + w.E * perExpert, active: router + k * perExpert };
}
