// The transformer's forward pass: the one block loop of the course.
//
// Every forward pass in the labs is this loop with hooks: the specimen's plain
// forward (which keeps its activations for the backward pass), generation with a
// KV cache, the forward whose linears a lab computes (quantized, LoRA, a different
// adapter per request), lab 02's forward with the learner's attention and cache,
// lab 06's pruned model with fewer heads and MLP channels in some layers.
//
// GPT-2 (Radford et al. 2019, §2.3), pre-norm, for B sequences of T new tokens
// that start at position p0 (what the cache already holds; 0 without one):
//
//   x = wte[ids] + wpe[p0 … p0+T)                  token + learned position embeddings
//   for each block l:
//     q, k, v = split(ln_1(x) · W_attn + b_attn)    c_attn: [C, 3·H_l·d]
//     cache.append(l, k, v)                         so each new query also sees itself
//     x = x + Attention(q, cache) · W_proj + b_proj
//     x = x + gelu(ln_2(x) · W_fc + b_fc) · W_mlp + b_mlp
//   logits = ln_f(x) · wteᵀ                         the LM head is tied to wte (Press & Wolf 2017)
//
// The hooks, all optional:
//   cache      a KVStore holding earlier positions; the call appends its T positions.
//              Without one, each layer's keys and values go to a scratch store of the
//              chunk's own, so attention reads them the same way either way.
//   linear     computes every linear layer (default: y = x·W + b)
//   attention  the attention of the new queries over the store (default: attentionForward)
//   acts       keeps every intermediate, for the backward pass (backward.ts)
//
// A layer's widths come from its weights, not the config: H_l = |b_attn| / (3·d)
// heads and |b_fc| MLP channels, so a pruned block is just smaller matrices.

import type { GPTConfig } from "./config.ts";
import { headDim } from "./config.ts";
import { KVCache, type KVStore } from "./kv-cache.ts";
import {
  attentionForward,
  encoderForward,
  geluForward,
  layerNormForward,
  residualForward,
} from "./layers.ts";
import { linearForward } from "./linear.ts";
import type { Floats, Linear, Weights } from "./params.ts";
import { matmulTransBAccumulate } from "@llm-labs/tensor";

// What the loop runs on: a config and the weights (a GPT, or a pruned copy of one).
export interface Specimen {
  config: GPTConfig;
  params: Weights;
}

export const LINEAR_NAMES = ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

// y[rows, N] for x[rows, K] at layer `layer`'s linear `name`, whose own weights
// are W (weight [K, N], bias [N]); the hook may use them or not.
export type LinearHook = (
  layer: number,
  name: LinearName,
  x: Float32Array,
  rows: number,
  K: number,
  N: number,
  W: Linear,
) => Float32Array;

// The heads' outputs [B·T, H·d] for the new queries q [B·T, H·d] of layer `layer`,
// over a store that already holds this chunk's keys and values.
export type AttentionHook = (
  layer: number,
  q: Float32Array,
  store: KVStore,
  B: number,
  T: number,
  H: number,
) => Float32Array;

export interface ForwardHooks {
  cache?: KVStore<Floats>;
  linear?: LinearHook;
  attention?: AttentionHook;
  acts?: Activations;
}

// One block's intermediates: what the backward pass reads, and where the loop writes.
export interface LayerActs {
  ln1: Floats; // [N, C]
  ln1Mean: Floats; // [N]
  ln1Rstd: Floats; // [N]
  qkv: Floats; // [N, 3·H·d]
  att: Floats; // [B, H, T, T] attention probabilities (kept only in `acts`)
  atty: Floats; // [N, H·d] heads concatenated, before c_proj
  attproj: Floats; // [N, C]
  res2: Floats; // [N, C] x after the attention sublayer
  ln2: Floats; // [N, C]
  ln2Mean: Floats; // [N]
  ln2Rstd: Floats; // [N]
  fch: Floats; // [N, F] before GELU
  fchGelu: Floats; // [N, F]
  fcproj: Floats; // [N, C]
  res3: Floats; // [N, C] the block's output
}

export interface Activations {
  B: number;
  T: number;
  ids: Int32Array; // [N]
  encoded: Floats; // [N, C]
  layers: LayerActs[];
  lnf: Floats; // [N, C]
  lnfMean: Floats; // [N]
  lnfRstd: Floats; // [N]
  logits: Floats; // [N, V]
}

type Alloc = (n: number) => Floats;

function layerActs(
  F: Alloc,
  B: number,
  T: number,
  C: number,
  H: number,
  d: number,
  Fw: number,
  keepAtt: boolean,
) {
  const N = B * T;
  return {
    ln1: F(N * C),
    ln1Mean: F(N),
    ln1Rstd: F(N),
    qkv: F(N * 3 * H * d),
    att: F(keepAtt ? B * H * T * T : 0),
    atty: F(N * H * d),
    attproj: F(N * C),
    res2: F(N * C),
    ln2: F(N * C),
    ln2Mean: F(N),
    ln2Rstd: F(N),
    fch: F(N * Fw),
    fchGelu: F(N * Fw),
    fcproj: F(N * C),
    res3: F(N * C),
  };
}

// Buffers for every intermediate of a B×T forward, reused step after step by training.
export function allocActivations(
  config: GPTConfig,
  B: number,
  T: number,
  dtype: "float32" | "float64" = "float32",
): Activations {
  const F: Alloc = (n) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const C = config.n_embd;
  const N = B * T;
  const layers: LayerActs[] = [];
  for (let l = 0; l < config.n_layer; l++)
    layers.push(layerActs(F, B, T, C, config.n_head, headDim(config), 4 * C, true));
  return {
    B,
    T,
    ids: new Int32Array(N),
    encoded: F(N * C),
    layers,
    lnf: F(N * C),
    lnfMean: F(N),
    lnfRstd: F(N),
    logits: F(N * config.vocab_size),
  };
}

// Columns [offset, offset + width) of every row of x [N, stride], as a new [N, width] array.
function columns(x: Floats, N: number, stride: number, offset: number, width: number, F: Alloc): Floats {
  const out = F(N * width);
  for (let n = 0; n < N; n++)
    out.set(x.subarray(n * stride + offset, n * stride + offset + width), n * width);
  return out;
}

// Logits [B·T, V] for ids [B, T] (row-major), T new positions per sequence.
export function forwardPass(
  model: Specimen,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  hooks: ForwardHooks = {},
): Floats {
  const c = model.config;
  const p = model.params;
  const { cache, acts } = hooks;
  const C = c.n_embd;
  const d = headDim(c);
  const N = B * T;
  const V = c.vocab_size;
  const eps = c.layer_norm_epsilon;
  const p0 = cache?.length ?? 0;
  if (ids.length !== N)
    throw new Error(`forward: expected B·T = ${B}·${T} = ${N} token ids, got ${ids.length}`);
  if (p0 + T > c.n_positions)
    throw new Error(
      p0 === 0
        ? `forward: sequence length ${T} is longer than n_positions (${c.n_positions})`
        : `forward: ${p0} cached + ${T} new positions exceed n_positions (${c.n_positions})`,
    );
  if (acts && (acts.B !== B || acts.T !== T || p0 !== 0))
    throw new Error(
      `forward: activations for ${acts.B}×${acts.T} cannot keep a ${B}×${T} chunk at position ${p0}`,
    );
  const dtype = p.wte instanceof Float64Array ? "float64" : "float32";
  const F: Alloc = (n) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  // out = x·W + b, by the hook when there is one
  const linear = (out: Floats, l: number, name: LinearName, x: Floats, W: Linear, K: number, M: number) => {
    if (hooks.linear) out.set(hooks.linear(l, name, x as Float32Array, N, K, M, W));
    else linearForward(out, x, W.weight, W.bias, N, K, M);
  };

  if (acts) acts.ids.set(Array.from(ids));
  let x = acts?.encoded ?? F(N * C);
  encoderForward(x, ids, p.wte, p.wpe, B, T, C, V, p0);
  for (let l = 0; l < p.h.length; l++) {
    const w = p.h[l];
    const H = w.c_attn.bias.length / (3 * d); // heads this block has
    const Fw = w.c_fc.bias.length; // MLP channels this block has
    const Hd = H * d;
    const L = acts?.layers[l] ?? layerActs(F, B, T, C, H, d, Fw, false);
    const store = cache ?? new KVCache(1, H, d, T, B, dtype); // scratch: this chunk only
    const at = cache ? l : 0;

    layerNormForward(L.ln1, L.ln1Mean, L.ln1Rstd, x, w.ln_1.weight, w.ln_1.bias, N, C, eps);
    linear(L.qkv, l, "c_attn", L.ln1, w.c_attn, C, 3 * Hd); // [N, 3·H·d] = [q | k | v]
    const q = columns(L.qkv, N, 3 * Hd, 0, Hd, F); // [N, H·d]
    store.append(at, columns(L.qkv, N, 3 * Hd, Hd, Hd, F), columns(L.qkv, N, 3 * Hd, 2 * Hd, Hd, F), B, T);
    // (a hook sees float32 arrays: only the float64 gradient check runs without hooks)
    if (hooks.attention) L.atty.set(hooks.attention(at, q as Float32Array, store as KVStore, B, T, H));
    else attentionForward(L.atty, q, store, at, B, T, H, acts ? L.att : undefined); // [N, H·d]
    linear(L.attproj, l, "attn_c_proj", L.atty, w.attn_c_proj, Hd, C);
    residualForward(L.res2, x, L.attproj, N * C);
    layerNormForward(L.ln2, L.ln2Mean, L.ln2Rstd, L.res2, w.ln_2.weight, w.ln_2.bias, N, C, eps);
    linear(L.fch, l, "c_fc", L.ln2, w.c_fc, C, Fw); // [N, F]
    geluForward(L.fchGelu, L.fch, N * Fw);
    linear(L.fcproj, l, "mlp_c_proj", L.fchGelu, w.mlp_c_proj, Fw, C);
    residualForward(L.res3, L.res2, L.fcproj, N * C);
    x = L.res3;
  }
  cache?.advance(T);

  const lnf = acts?.lnf ?? F(N * C);
  layerNormForward(
    lnf,
    acts?.lnfMean ?? F(N),
    acts?.lnfRstd ?? F(N),
    x,
    p.ln_f.weight,
    p.ln_f.bias,
    N,
    C,
    eps,
  );
  const logits = acts?.logits ?? F(N * V);
  logits.fill(0);
  matmulTransBAccumulate(logits, lnf, p.wte, N, C, V); // tied head: logits = ln_f(x) · wteᵀ
  return logits;
}
