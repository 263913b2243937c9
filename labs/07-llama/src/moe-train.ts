// Dense vs mixture of experts at equal ACTIVE parameters, on a model small enough to train here.
//
// A one-block next-token model without attention: it sees the current and the previous token.
//
//   x = Emb[id_t] + Prev[id_{t−1}]                      [D]
//   n = RMSNorm(x) ⊙ γ                                   [D]
//   h = x + FFN(n)                                       [D]   residual, as in a Llama block
//   logits = h·Uᵀ                                        [V]   U [V, D]
//   loss = mean cross-entropy(logits, id_{t+1}) + α · L_aux
//
// FFN is either
//   dense: one SwiGLU MLP of hidden k·I                  (Wg, Wu [D, kI], Wd [kI, D])
//   MoE:   E SwiGLU experts of hidden I, top-k routed    (the router W_r [D, E] and k experts per token)
// Both spend 3·D·k·I multiply-adds per token in the MLP (plus D·E for the router): the same
// active parameters. The MoE holds E/k times more of them in total.
//
// Everything here is float64 and the backward pass is written by hand, so test/moe-train.test.ts
// can check every gradient against central finite differences. The routing is router.ts's
// (softmax, top-k with ties to the lower index, renormalize), redone in float64. No capacity
// limit while training: every token reaches its k experts.

import { AdamW, learningRate } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";

export interface TinyConfig {
  V: number; // vocabulary
  D: number; // width
  ffn: "dense" | "moe";
  I: number; // hidden width of one expert; the dense MLP has k·I
  E: number; // experts (MoE only)
  k: number; // experts per token
  aux: number; // α, the load-balancing loss coefficient (Switch uses 0.01)
}

export interface TinyModel {
  cfg: TinyConfig;
  params: Float64Array; // every parameter, flat: the slices below are views of it
  emb: Float64Array; // [V, D]
  prev: Float64Array; // [V, D]
  gain: Float64Array; // [D]
  U: Float64Array; // [V, D]
  Wr: Float64Array; // [D, E] (MoE) or empty
  Wg: Float64Array; // [E, D, I] (MoE) or [D, kI] (dense)
  Wu: Float64Array; // same shape as Wg
  Wd: Float64Array; // [E, I, D] (MoE) or [kI, D] (dense)
  decayMask: Uint8Array; // AdamW: decay matrices, not the RMSNorm gain
}

const EPS = 1e-5;

// Slice a flat buffer into named parameters, in a fixed order.
function layout(cfg: TinyConfig, params: Float64Array): Omit<TinyModel, "cfg" | "params" | "decayMask"> {
  const { V, D, I, E, k } = cfg;
  const moe = cfg.ffn === "moe";
  const sizes = {
    emb: V * D,
    prev: V * D,
    gain: D,
    U: V * D,
    Wr: moe ? D * E : 0,
    Wg: moe ? E * D * I : D * k * I,
    Wu: moe ? E * D * I : D * k * I,
    Wd: moe ? E * I * D : k * I * D,
  };
  let o = 0;
  const out: Record<string, Float64Array> = {};
  for (const [name, n] of Object.entries(sizes)) {
    out[name] = params.subarray(o, o + n);
    o += n;
  }
  return out as unknown as Omit<TinyModel, "cfg" | "params" | "decayMask">;
}

export function tinyParamCount(cfg: TinyConfig): {
  total: number;
  active: number;
  ffnTotal: number;
  ffnActive: number;
} {
  const { V, D, I, E, k } = cfg;
  const shared = 3 * V * D + D;
  const ffnTotal = cfg.ffn === "moe" ? D * E + E * 3 * D * I : 3 * D * k * I;
  const ffnActive = cfg.ffn === "moe" ? D * E + k * 3 * D * I : ffnTotal;
  return { total: shared + ffnTotal, active: shared + ffnActive, ffnTotal, ffnActive };
}

export function initTiny(cfg: TinyConfig, seed: number): TinyModel {
  const params = new Float64Array(tinyParamCount(cfg).total);
  const m = { cfg, params, ...layout(cfg, params), decayMask: new Uint8Array(params.length).fill(1) };
  const rng = new Rng(seed);
  const fill = (a: Float64Array, std: number) => {
    for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
  };
  const hidden = cfg.ffn === "moe" ? cfg.I : cfg.k * cfg.I;
  fill(m.emb, 0.5);
  fill(m.prev, 0.5);
  m.gain.fill(1);
  fill(m.U, 1 / Math.sqrt(cfg.D));
  fill(m.Wr, 0.1 / Math.sqrt(cfg.D));
  fill(m.Wg, 1 / Math.sqrt(cfg.D));
  fill(m.Wu, 1 / Math.sqrt(cfg.D));
  fill(m.Wd, 0.5 / Math.sqrt(hidden));
  const gainAt = m.gain.byteOffset / 8;
  m.decayMask.fill(0, gainAt, gainAt + cfg.D);
  return m;
}

// A batch of next-token problems: the current id, the one before, and the target after.
export interface Batch {
  cur: Int32Array;
  prev: Int32Array;
  next: Int32Array;
}

// The problems at the given positions j of a token stream (1 ≤ j ≤ length − 2).
export function batchFrom(tokens: ArrayLike<number>, positions: ArrayLike<number>): Batch {
  const B = positions.length;
  const b = { cur: new Int32Array(B), prev: new Int32Array(B), next: new Int32Array(B) };
  for (let i = 0; i < B; i++) {
    const j = positions[i];
    b.prev[i] = tokens[j - 1];
    b.cur[i] = tokens[j];
    b.next[i] = tokens[j + 1];
  }
  return b;
}

export interface StepResult {
  loss: number; // ce + α·aux
  ce: number; // mean cross-entropy, nats
  aux: number; // L_aux over this batch (0 for dense)
  load: Float64Array; // [E]: routing slots per expert in this batch
}

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

// The input half of the forward: x, its RMSNorm n, and 1/rms, for token b.
function embedNorm(m: TinyModel, batch: Batch, b: number, x: Float64Array, n: Float64Array): number {
  const { D } = m.cfg;
  const c = batch.cur[b] * D;
  const p = batch.prev[b] * D;
  let ms = 0;
  for (let d = 0; d < D; d++) {
    x[d] = m.emb[c + d] + m.prev[p + d];
    ms += x[d] * x[d];
  }
  const r = 1 / Math.sqrt(ms / D + EPS);
  for (let d = 0; d < D; d++) n[d] = x[d] * r * m.gain[d];
  return r;
}

// Router softmax p [E] and top-k (experts, renormalized weights) for one token, as routerTopK.
function route(m: TinyModel, n: Float64Array, p: Float64Array, experts: Int32Array, w: Float64Array): void {
  const { D, E, k } = m.cfg;
  let max = -Infinity;
  for (let e = 0; e < E; e++) {
    let z = 0;
    for (let d = 0; d < D; d++) z += n[d] * m.Wr[d * E + e];
    p[e] = z;
    max = Math.max(max, z);
  }
  let sum = 0;
  for (let e = 0; e < E; e++) {
    p[e] = Math.exp(p[e] - max);
    sum += p[e];
  }
  for (let e = 0; e < E; e++) p[e] /= sum;
  // the k largest of p, best first, ties to the lower index; then renormalize over them
  let mass = 0;
  for (let slot = 0; slot < k; slot++) {
    let top = -1;
    for (let e = 0; e < E; e++) {
      let used = false;
      for (let q = 0; q < slot; q++) used ||= experts[q] === e;
      if (!used && (top < 0 || p[e] > p[top])) top = e;
    }
    experts[slot] = top;
    mass += p[top];
  }
  for (let slot = 0; slot < k; slot++) w[slot] = p[experts[slot]] / mass;
}

// Loss over a batch, and (when `grad` is given, same length as params, zeroed by the caller)
// its gradient, accumulated into `grad`.
export function lossAndGrad(m: TinyModel, batch: Batch, grad: Float64Array | null): StepResult {
  const { V, D, I, E, k, aux: alpha } = m.cfg;
  const moe = m.cfg.ffn === "moe";
  const B = batch.cur.length;
  const H = moe ? I : k * I; // hidden width of one MLP
  const x = new Float64Array(D);
  const n = new Float64Array(D);
  const p = new Float64Array(E);
  const experts = new Int32Array(k);
  const w = new Float64Array(k);

  // Pass 1 (MoE): route every token to get f_i and P_i, the batch statistics of L_aux.
  const load = new Float64Array(E);
  const P = new Float64Array(E);
  if (moe)
    for (let b = 0; b < B; b++) {
      embedNorm(m, batch, b, x, n);
      route(m, n, p, experts, w);
      for (let r = 0; r < k; r++) load[experts[r]]++;
      for (let e = 0; e < E; e++) P[e] += p[e] / B;
    }
  let aux = 0;
  const g = new Float64Array(E); // ∂L_aux/∂p_t,i = E·f_i / B, the same for every token
  for (let e = 0; e < E; e++) {
    const f = load[e] / (B * k);
    aux += E * f * P[e];
    g[e] = (E * f) / B;
  }

  // Pass 2: each token's forward and backward.
  const nMlp = moe ? k : 1;
  const a = new Float64Array(nMlp * H);
  const u = new Float64Array(nMlp * H);
  const s = new Float64Array(nMlp * H);
  const o = new Float64Array(nMlp * D);
  const f = new Float64Array(D);
  const h = new Float64Array(D);
  const logits = new Float64Array(V);
  const dh = new Float64Array(D);
  const dn = new Float64Array(D);
  const ds = new Float64Array(H);
  const dz = new Float64Array(E);
  const dw = new Float64Array(k);
  const G = grad ? layout(m.cfg, grad) : null;
  let ce = 0;
  for (let b = 0; b < B; b++) {
    const r = embedNorm(m, batch, b, x, n);
    if (moe) route(m, n, p, experts, w);
    // FFN: one MLP (dense) or k experts (MoE), each SwiGLU: s = silu(n·Wg) ⊙ n·Wu, o = s·Wd
    f.fill(0);
    for (let j = 0; j < nMlp; j++) {
      const gOff = moe ? experts[j] * D * I : 0;
      const dOff = moe ? experts[j] * I * D : 0;
      const gate = moe ? w[j] : 1;
      for (let i = 0; i < H; i++) {
        let av = 0;
        let uv = 0;
        for (let d = 0; d < D; d++) {
          av += n[d] * m.Wg[gOff + d * H + i];
          uv += n[d] * m.Wu[gOff + d * H + i];
        }
        a[j * H + i] = av;
        u[j * H + i] = uv;
        s[j * H + i] = av * sigmoid(av) * uv;
      }
      for (let d = 0; d < D; d++) {
        let ov = 0;
        for (let i = 0; i < H; i++) ov += s[j * H + i] * m.Wd[dOff + i * D + d];
        o[j * D + d] = ov;
        f[d] += gate * ov;
      }
    }
    for (let d = 0; d < D; d++) h[d] = x[d] + f[d];
    // logits and cross-entropy
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      let z = 0;
      for (let d = 0; d < D; d++) z += h[d] * m.U[v * D + d];
      logits[v] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[v] - max);
    const target = batch.next[b];
    ce += (Math.log(sum) + max - logits[target]) / B;
    if (!G) continue;

    // ∂CE/∂logits = (softmax − onehot) / B;  logits = U·h
    dh.fill(0);
    for (let v = 0; v < V; v++) {
      const dl = (Math.exp(logits[v] - max) / sum - (v === target ? 1 : 0)) / B;
      for (let d = 0; d < D; d++) {
        dh[d] += dl * m.U[v * D + d];
        G.U[v * D + d] += dl * h[d];
      }
    }
    // h = x + f: dh flows to x directly and to the FFN
    dn.fill(0);
    for (let j = 0; j < nMlp; j++) {
      const gOff = moe ? experts[j] * D * I : 0;
      const dOff = moe ? experts[j] * I * D : 0;
      const gate = moe ? w[j] : 1;
      // f += gate·o: ∂/∂gate = dh·o, ∂/∂o = gate·dh
      let dgate = 0;
      for (let d = 0; d < D; d++) dgate += dh[d] * o[j * D + d];
      dw[j] = dgate;
      // o = s·Wd
      for (let i = 0; i < H; i++) {
        let acc = 0;
        for (let d = 0; d < D; d++) {
          acc += gate * dh[d] * m.Wd[dOff + i * D + d];
          G.Wd[dOff + i * D + d] += s[j * H + i] * gate * dh[d];
        }
        ds[i] = acc;
      }
      // s = silu(a)·u, silu'(a) = σ(a)·(1 + a·(1 − σ(a)))
      for (let i = 0; i < H; i++) {
        const av = a[j * H + i];
        const sg = sigmoid(av);
        const da = ds[i] * u[j * H + i] * sg * (1 + av * (1 - sg));
        const du = ds[i] * av * sg;
        for (let d = 0; d < D; d++) {
          dn[d] += da * m.Wg[gOff + d * H + i] + du * m.Wu[gOff + d * H + i];
          G.Wg[gOff + d * H + i] += n[d] * da;
          G.Wu[gOff + d * H + i] += n[d] * du;
        }
      }
    }
    if (moe) {
      // the router: through the renormalized gates (chosen experts only, router.ts's
      // routerTopKBackward) and through L_aux (all experts, loadBalancingLossGrad)
      let dot = 0;
      for (let j = 0; j < k; j++) dot += w[j] * dw[j];
      let pg = 0;
      for (let e = 0; e < E; e++) pg += p[e] * g[e];
      for (let e = 0; e < E; e++) dz[e] = alpha * p[e] * (g[e] - pg);
      for (let j = 0; j < k; j++) dz[experts[j]] += w[j] * (dw[j] - dot);
      for (let d = 0; d < D; d++)
        for (let e = 0; e < E; e++) {
          dn[d] += dz[e] * m.Wr[d * E + e];
          G.Wr[d * E + e] += n[d] * dz[e];
        }
    }
    // n = x·r·γ with r = (mean x² + ε)^(−1/2):
    //   ∂γ_d = dn_d·x_d·r;   ∂x = r·(dn⊙γ) − r³·x·Σ_d(x_d·dn_d·γ_d) / D;  plus dh from the residual
    let xdot = 0;
    for (let d = 0; d < D; d++) {
      G.gain[d] += dn[d] * x[d] * r;
      xdot += x[d] * dn[d] * m.gain[d];
    }
    const c = batch.cur[b] * D;
    const pv = batch.prev[b] * D;
    for (let d = 0; d < D; d++) {
      const dx = dh[d] + r * dn[d] * m.gain[d] - (r * r * r * x[d] * xdot) / D;
      G.emb[c + d] += dx;
      G.prev[pv + d] += dx;
    }
  }
  return { loss: ce + (moe ? alpha * aux : 0), ce, aux: moe ? aux : 0, load };
}

export interface TrainOptions {
  steps: number;
  batch: number;
  lr: number;
  seed: number;
}

// AdamW with warmup and cosine decay on random positions of the training stream.
// Returns the training loss of each step.
export function trainTiny(m: TinyModel, tokens: ArrayLike<number>, opts: TrainOptions): Float64Array {
  const rng = new Rng(opts.seed);
  const opt = new AdamW(m.params.length, m.decayMask, { weightDecay: 0.01 });
  const grad = new Float64Array(m.params.length);
  const losses = new Float64Array(opts.steps);
  const schedule = {
    maxLr: opts.lr,
    minLr: opts.lr / 10,
    warmup: Math.ceil(opts.steps / 20),
    total: opts.steps,
  };
  const positions = new Int32Array(opts.batch);
  for (let step = 0; step < opts.steps; step++) {
    for (let i = 0; i < opts.batch; i++) positions[i] = 1 + rng.int(tokens.length - 2);
    grad.fill(0);
    losses[step] = lossAndGrad(m, batchFrom(tokens, positions), grad).loss;
    opt.step(m.params, grad, learningRate(step, schedule));
  }
  return losses;
}

export interface Evaluation {
  ce: number; // mean cross-entropy on the held-out positions, nats
  perplexity: number; // e^ce
  load: Float64Array; // [E] routing slots per expert
  loadCv: number; // std / mean of load: 0 when perfectly balanced, √(E − 1) for one expert
}

// Every position of a held-out stream, in chunks, without gradients.
export function evaluateTiny(m: TinyModel, tokens: ArrayLike<number>, chunk = 512): Evaluation {
  const { E } = m.cfg;
  const load = new Float64Array(E);
  let ce = 0;
  let count = 0;
  for (let start = 1; start < tokens.length - 1; start += chunk) {
    const end = Math.min(tokens.length - 1, start + chunk);
    const positions = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const res = lossAndGrad(m, batchFrom(tokens, positions), null);
    ce += res.ce * positions.length;
    count += positions.length;
    for (let e = 0; e < E; e++) load[e] += res.load[e];
  }
  ce /= count;
  return { ce, perplexity: Math.exp(ce), load, loadCv: coefficientOfVariation(load) };
}

// std / mean (population std), the imbalance of a load vector
export function coefficientOfVariation(xs: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i] / xs.length;
  if (mean === 0) return 0;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2 / xs.length;
  return Math.sqrt(v) / mean;
}
