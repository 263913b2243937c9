// The backward pass, written by hand, layer by layer (after karpathy's llm.c,
// train_gpt2.c). Each function takes dL/d(output) and ADDS dL/d(input) and
// dL/d(parameters), by the chain rule. Checked against finite differences in
// test/backward.test.ts for every kind of parameter.

import type { GPTConfig } from "./config.ts";
import {
  allocActivations,
  forwardPass,
  type Activations,
  type ForwardHooks,
  type HeadActs,
  type LayerActs,
  type LinearName,
} from "./forward.ts";
import type { GPT } from "./gpt.ts";
import { GELU_SCALE } from "./layers.ts";
import { matmulAccumulate, matmulTransAAccumulate } from "@llm-labs/tensor";
import { linearBackward } from "./linear.ts";
import { viewParams, type Floats, type Linear, type Params } from "./params.ts";

// The backward pass's hooks, one per forward hook that changes what a layer computes: a lab
// whose forward hook adds to a linear (an adapter) or attends to more than the chunk (a
// learned prefix) gives the chain rule through its change here. Each ADDS, like the layers.
//   linear     dX += ∂L/∂X for the linear `name` of `layer`, given dY = ∂L/∂Y; may add into
//              g (that linear's weight and bias gradients) too. Default: linearBackward.
//   attention  dqkv += ∂L/∂[q | k | v] [N, 3·H·d] of `layer`, given dout = ∂L/∂(heads' outputs)
//              [N, H·d]. Default: attentionBackward on L.qkv and L.att.
//   embed      sees ∂L/∂x [B·T, C] for the embeddings, before it flows into wte and wpe.
export type LinearBackwardHook = (
  layer: number,
  name: LinearName,
  dX: Floats,
  g: Linear,
  dY: Floats,
  X: Floats,
  W: Linear,
  N: number,
  K: number,
  M: number,
) => void;
export type AttentionBackwardHook = (
  layer: number,
  dqkv: Floats,
  dout: Floats,
  L: LayerActs,
  B: number,
  T: number,
  H: number,
) => void;
export interface BackwardHooks {
  linear?: LinearBackwardHook;
  attention?: AttentionBackwardHook;
  embed?: (dx: Floats, B: number, T: number) => void;
}
// What lossAndGrads runs with: the forward's hooks (less `acts`, which it owns) and their backward.
export interface TrainHooks {
  forward?: Omit<ForwardHooks, "acts">;
  backward?: BackwardHooks;
}

// Cross-entropy of the next token, averaged over the N positions that have a target:
//   p = softmax(logits_n),   L = -(1/N) Σ_n log p[target_n]
//   dL/dlogits_n = (p - onehot(target_n)) / N
// A target of -1 means "no target here" (it is skipped and not counted).
// Overwrites `logits` with dL/dlogits to save memory; returns L.
export function crossEntropyBackward(
  logits: Floats,
  targets: ArrayLike<number>,
  N: number,
  V: number,
): number {
  let count = 0;
  for (let n = 0; n < N; n++) if (targets[n] >= 0) count++;
  if (count === 0) throw new Error("crossEntropy: no positions with a target");
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    const y = targets[n];
    if (y < 0) {
      logits.fill(0, o, o + V);
      continue;
    }
    if (!Number.isInteger(y) || y >= V)
      throw new Error(`crossEntropy: target ${y} at row ${n} is out of range for vocab_size ${V}`);
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
    loss -= logits[o + y] - max - Math.log(sum); // log p[y], computed stably
    for (let v = 0; v < V; v++) logits[o + v] = Math.exp(logits[o + v] - max) / sum / count;
    logits[o + y] -= 1 / count;
  }
  return loss / count;
}

// LayerNorm backward. With x̂ = (x - μ)·rstd and y = γ·x̂ + β:
//   dβ += dy      dγ += dy · x̂      g = dy · γ
//   dx = rstd · (g - mean(g) - x̂ · mean(g · x̂))
// (μ and rstd depend on every x_i of the row; the two means are those paths.)
export function layerNormBackward(
  dx: Floats,
  dgamma: Floats,
  dbeta: Floats,
  dy: Floats,
  x: Floats,
  gamma: Floats,
  mean: Floats,
  rstd: Floats,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const m = mean[n];
    const s = rstd[n];
    let gMean = 0;
    let gxMean = 0;
    for (let i = 0; i < C; i++) {
      const xhat = (x[o + i] - m) * s;
      const g = dy[o + i] * gamma[i];
      gMean += g;
      gxMean += g * xhat;
    }
    gMean /= C;
    gxMean /= C;
    for (let i = 0; i < C; i++) {
      const xhat = (x[o + i] - m) * s;
      dbeta[i] += dy[o + i];
      dgamma[i] += dy[o + i] * xhat;
      dx[o + i] += s * (dy[o + i] * gamma[i] - gMean - xhat * gxMean);
    }
  }
}

// GELU backward. With u = √(2/π)(x + 0.044715x³) and y = ½x(1 + tanh u):
//   dy/dx = ½(1 + tanh u) + ½x · (1 - tanh²u) · √(2/π)(1 + 3·0.044715x²)
export function geluBackward(dx: Floats, x: Floats, dy: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const th = Math.tanh(GELU_SCALE * (v + 0.044715 * v * v * v));
    const local = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * GELU_SCALE * (1 + 3 * 0.044715 * v * v);
    dx[i] += local * dy[i];
  }
}

// Attention backward, for one head and query t (att = softmax(score), out = Σ att·v):
//   dv_t2    += att[t2] · dout_t                     datt[t2] = v_t2 · dout_t
//   dscore[t2] = att[t2] · (datt[t2] - Σ_j att[j]·datt[j])      (softmax's Jacobian)
//   dq_t     += Σ_t2 dscore[t2] · k_t2 / sqrt(hs)    dk_t2 += dscore[t2] · q_t / sqrt(hs)
export function attentionBackward(
  dqkv: Floats,
  dout: Floats,
  qkv: Floats,
  att: Floats,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const hs = C / H;
  const scale = 1 / Math.sqrt(hs);
  const C3 = 3 * C;
  const datt = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const a = ((b * H + h) * T + t) * T;
        const o = (b * T + t) * C + h * hs;
        const q = (b * T + t) * C3 + h * hs;
        let dot = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const v = (b * T + t2) * C3 + 2 * C + h * hs;
          const w = att[a + t2];
          let s = 0;
          for (let i = 0; i < hs; i++) {
            s += qkv[v + i] * dout[o + i];
            dqkv[v + i] += w * dout[o + i];
          }
          datt[t2] = s;
          dot += w * s;
        }
        for (let t2 = 0; t2 <= t; t2++) {
          const ds = att[a + t2] * (datt[t2] - dot) * scale;
          const k = (b * T + t2) * C3 + C + h * hs;
          for (let i = 0; i < hs; i++) {
            dqkv[q + i] += ds * qkv[k + i];
            dqkv[k + i] += ds * qkv[q + i];
          }
        }
      }
    }
  }
}

// Embedding backward: each row of the gradient goes back to the rows it came from.
//   dwte[id[b, t]] += dx[b, t]      dwpe[p0 + t] += dx[b, t]
// (p0: the chunk's first position, after what a cache held.)
export function encoderBackward(
  dwte: Floats,
  dwpe: Floats,
  dx: Floats,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  C: number,
  p0 = 0,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const w = ids[b * T + t] * C;
      const p = (p0 + t) * C;
      for (let i = 0; i < C; i++) {
        dwte[w + i] += dx[o + i];
        dwpe[p + i] += dx[o + i];
      }
    }
  }
}

// Loss and gradients for one batch: forward, cross-entropy, then every layer
// backward in reverse order. `grads` is ADDED to (gradient accumulation:
// call this for several micro-batches, then take one optimizer step).
// Returns the mean loss over the batch's positions. `hooks` change the forward and give
// their backward (lab 10's prompts, prefixes and adapters); a cache in them is a prefix
// the chunk comes after.
export function lossAndGrads(
  model: GPT,
  ids: ArrayLike<number>,
  targets: ArrayLike<number>,
  B: number,
  T: number,
  grads: Params,
  acts?: Activations,
  hooks: TrainHooks = {},
): { loss: number; acts: Activations } {
  const c: GPTConfig = model.config;
  const N = B * T;
  const dtype = model.params.flat instanceof Float64Array ? "float64" : "float32";
  const a = acts && acts.B === B && acts.T === T ? acts : allocActivations(c, B, T, dtype);
  const p0 = hooks.forward?.cache?.length ?? 0;
  forwardPass(model, ids, B, T, { ...hooks.forward, acts: a });
  const loss = crossEntropyBackward(a.logits, targets, N, c.vocab_size); // a.logits is now dlogits
  backwardPass(model, a, grads, { hooks: hooks.backward, p0 });
  return { loss, acts: a };
}

// The backward pass alone, for a loss that is not next-token cross-entropy (lab 11's
// preference losses): a.logits must hold ∂L/∂logits [N, V] (a forward with `acts` wrote the
// logits there; overwrite them with the gradient), and dlnf, when given, ADDS ∂L/∂h for a
// head of one's own on the final hidden states h = ln_f(x) [N, C] (a reward or value head).
// Gradients are ADDED into grads, layer by layer down to the embeddings.
export function backwardPass(
  model: GPT,
  a: Activations,
  grads: Params,
  opts: { hooks?: BackwardHooks; p0?: number; dlnf?: Floats } = {},
): void {
  const c: GPTConfig = model.config;
  const { B, T } = a;
  const N = B * T;
  const dx = allocLike(model, N * c.n_embd); // gradient flowing down the residual stream
  const xLast = c.n_layer > 0 ? a.layers[c.n_layer - 1].res3 : a.encoded;
  gptHeadBackward(model, grads, dx, a.logits, xLast, a, N, opts.dlnf);
  const scratch = allocBlockScratch(model, B, T);
  for (let l = c.n_layer - 1; l >= 0; l--) {
    const xIn = l > 0 ? a.layers[l - 1].res3 : a.encoded;
    gptBlockBackward(model, grads, l, dx, xIn, a.layers[l], B, T, scratch, opts.hooks);
  }
  opts.hooks?.embed?.(dx, B, T);
  encoderBackward(grads.wte, grads.wpe, dx, a.ids, B, T, model.config.n_embd, opts.p0 ?? 0);
}

function allocLike(model: GPT, n: number): Floats {
  return model.params.flat instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

// The LM head backward, logits = lnf · wteᵀ with lnf = ln_f(x):
//   dlnf = dlogits · wte (+ extra, another head's ∂L/∂lnf),   dwte += dlogitsᵀ · lnf,
//   then ln_f's backward ADDS dL/dx into dx.
// x [N, C] is the last block's output; h holds what gptHeadForward kept.
export function gptHeadBackward(
  model: GPT,
  grads: Params,
  dx: Floats,
  dlogits: Floats,
  x: Floats,
  h: HeadActs,
  N: number,
  extra?: Floats,
): void {
  const p = model.params;
  const C = model.config.n_embd;
  const V = model.config.vocab_size;
  const dlnf = allocLike(model, N * C);
  if (extra) dlnf.set(extra);
  matmulAccumulate(dlnf, dlogits, p.wte, N, V, C);
  matmulTransAAccumulate(grads.wte, dlogits, h.lnf, V, N, C);
  layerNormBackward(
    dx,
    grads.ln_f.weight,
    grads.ln_f.bias,
    dlnf,
    x,
    p.ln_f.weight,
    h.lnfMean,
    h.lnfRstd,
    N,
    C,
  );
}

// The gradient buffers one block's backward works in, reused block after block (they
// hold gradients, not activations: nothing in them outlives the block).
export interface BlockScratch {
  d1: Floats; // [N, C]
  d4: Floats; // [N, 4C]
  d4b: Floats; // [N, 4C]
  dqkv: Floats; // [N, 3C]
}

export function allocBlockScratch(model: GPT, B: number, T: number): BlockScratch {
  const N = B * T;
  const C = model.config.n_embd;
  const F = (n: number) => allocLike(model, n);
  return { d1: F(N * C), d4: F(N * 4 * C), d4b: F(N * 4 * C), dqkv: F(N * 3 * C) };
}

// One GPT-2 block backward, the body of the backward loop: the chain rule through
// gptBlockForward (forward.ts) in reverse. dx is dL/d(res3) on the way in and
// dL/d(x) on the way out (updated in place); the block's parameter gradients are
// ADDED to grads.h[l]. It reads the block's input x [N, C] and what the forward
// kept in L (L.att included: the probabilities [B, H, T, T]).
//   res3 = res2 + mlp(ln_2(res2)):  dres2 = dres3 + ln_2ᵀ(mlpᵀ(dres3))
//   res2 = x + attn(ln_1(x)):       dx    = dres2 + ln_1ᵀ(attnᵀ(dres2))
export function gptBlockBackward(
  model: GPT,
  grads: Params,
  l: number,
  dx: Floats,
  x: Floats,
  L: LayerActs,
  B: number,
  T: number,
  scratch: BlockScratch,
  hooks: BackwardHooks = {},
): void {
  const C = model.config.n_embd;
  const H = model.config.n_head;
  const N = B * T;
  const w = model.params.h[l];
  const g = grads.h[l];
  const { d1, d4, d4b, dqkv } = scratch;
  // dX += ∂L/∂X of one linear, by the hook when there is one
  const linear = (dX: Floats, name: LinearName, dY: Floats, X: Floats, K: number, M: number) => {
    if (hooks.linear) hooks.linear(l, name, dX, g[name], dY, X, w[name], N, K, M);
    else linearBackward(dX, g[name].weight, g[name].bias, dY, X, w[name].weight, N, K, M);
  };
  // res3 = res2 + mlp(res2): dx flows to res2 unchanged, and through the MLP
  d4.fill(0);
  linear(d4, "mlp_c_proj", dx, L.fchGelu, 4 * C, C);
  d4b.fill(0);
  geluBackward(d4b, L.fch, d4, N * 4 * C);
  d1.fill(0);
  linear(d1, "c_fc", d4b, L.ln2, C, 4 * C);
  layerNormBackward(dx, g.ln_2.weight, g.ln_2.bias, d1, L.res2, w.ln_2.weight, L.ln2Mean, L.ln2Rstd, N, C);
  // res2 = x + attn(x)
  d1.fill(0);
  linear(d1, "attn_c_proj", dx, L.atty, C, C);
  dqkv.fill(0);
  if (hooks.attention) hooks.attention(l, dqkv, d1, L, B, T, H);
  else attentionBackward(dqkv, d1, L.qkv, L.att, B, T, C, H);
  d1.fill(0);
  linear(d1, "c_attn", dqkv, L.ln1, C, 3 * C);
  layerNormBackward(dx, g.ln_1.weight, g.ln_1.bias, d1, x, w.ln_1.weight, L.ln1Mean, L.ln1Rstd, N, C);
}

// A zeroed gradient buffer shaped like the model's parameters.
export function zeroGrads(model: GPT): Params {
  const Ctor = model.params.flat instanceof Float64Array ? Float64Array : Float32Array;
  return viewParams(model.config, new Ctor(model.params.flat.length)).params;
}
