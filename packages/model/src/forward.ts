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
//   embed      rewrites the embeddings x [B·T, C] after the lookup (lab 10's soft prompt)
//   positions  each row's own position [B·T], in place of p0 + t: a server runs sequences of
//              different lengths as one flattened batch (B = 1), as vLLM's model runner does
//              (Hugging Face's `position_ids`); the cache and attention hooks then place each
//              row's keys and queries (lab 12)
//   logitRows  the rows whose logits are wanted [R]: the logits are then [R, V], not [B·T, V]
//              (a server samples one row per sequence; the other rows' LM head is waste)
// and three for the Llama's own pieces (lab 07 plugs the learner's in; a GPT-2 refuses them):
//   norm       every RMSNorm (default: rmsNormForward)
//   rope       the rotation of q and k (default: ropeForward)
//   swiglu     the MLP's gate, silu(gate) ⊙ up (default: swigluForward)
//
// The GPT-2 loop's body is gptBlockForward and its head gptHeadForward (below), exported so
// that lab 08's activation recomputation can run one block again, on its kept input, in the
// backward pass (backward.ts has the matching gptBlockBackward); it is still the one block.
//
// A layer's widths come from its weights, not the config: H_l = |b_attn| / (3·d)
// heads and |b_fc| MLP channels, so a pruned block is just smaller matrices.
//
// Llama (Touvron et al. 2023, §2.2) is the same loop with three pieces swapped, marked
// `llama` below (lab 07 builds each one):
//
//   x = embed_tokens[ids]                          no position table
//   for each block l:
//     h = RMSNorm(x)                                 (Zhang & Sennrich 2019) instead of LayerNorm
//     q, k, v = h·W_q, h·W_k, h·W_v                  k, v: H_kv ≤ H heads (grouped-query attention)
//     q, k = RoPE(q, p0 …), RoPE(k, p0 …)            (Su et al. 2021) positions rotate q and k
//     cache.append(l, k, v)                          keys are cached already rotated
//     x = x + Attention(q, cache) · W_o
//     x = x + (silu(RMSNorm(x)·W_gate) ⊙ RMSNorm(x)·W_up) · W_down      SwiGLU (Shazeer 2020)
//   logits = RMSNorm(x) · lm_headᵀ

import { causalAttentionForward } from "./attention-matmul.ts";
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
import type { LlamaConfig } from "./llama-config.ts";
import { rmsNormForward, ropeForward, swigluForward } from "./llama-layers.ts";
import type { LlamaLinearName, LlamaWeights } from "./llama-params.ts";
import type { Floats, Linear, Weights } from "./params.ts";
import { ropeFrequencies } from "./rope-scaling.ts";
import { matmulTransBAccumulate } from "@llm-labs/tensor";

// What the loop runs on: a config and the weights (a GPT, or a pruned copy of one).
export interface Specimen {
  config: GPTConfig;
  params: Weights;
}
// The Llama specimen (llama-params.ts), or a pruned copy of it.
export interface LlamaSpecimen {
  config: LlamaConfig;
  params: LlamaWeights;
}
export type AnySpecimen = Specimen | LlamaSpecimen;

export function isLlama(model: AnySpecimen): model is LlamaSpecimen {
  return model.config.model_type === "llama";
}

export const LINEAR_NAMES = ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

// y[rows, N] for x[rows, K] at layer `layer`'s linear `name`, whose own weights
// are W (weight [K, N], bias [N]); the hook may use them or not.
export type LinearHook = (
  layer: number,
  name: LinearName | LlamaLinearName,
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

// RMSNorm of x [rows, C] with weights γ [C]: y [rows, C]. `name` is the norm's: a block's
// input_layernorm or post_attention_layernorm at `layer`, or the final norm (layer = L).
export type NormHook = (
  layer: number,
  name: "input_layernorm" | "post_attention_layernorm" | "norm",
  x: Float32Array,
  gamma: Float32Array,
  rows: number,
  C: number,
  eps: number,
) => Float32Array;

// q or k [B, T, heads·d], rotated: row t is at position p0 + t, pair i turns by
// (p0 + t)·invFreq[i], and cos and sin are multiplied by attentionScaling (YaRN; else 1).
export type RopeHook = (
  layer: number,
  which: "q" | "k",
  x: Float32Array,
  B: number,
  T: number,
  heads: number,
  d: number,
  rope: { p0: number; invFreq: Float64Array; attentionScaling: number },
) => Float32Array;

// h = silu(gate) ⊙ up, all [rows, I].
export type SwigluHook = (
  layer: number,
  gate: Float32Array,
  up: Float32Array,
  rows: number,
  I: number,
) => Float32Array;

// Rewrites the embeddings x [B·T, C] of this chunk in place, after the token (and position) lookup.
export type EmbedHook = (x: Floats, B: number, T: number) => void;

export interface ForwardHooks {
  cache?: KVStore<Floats>;
  linear?: LinearHook;
  attention?: AttentionHook;
  embed?: EmbedHook;
  positions?: Int32Array; // [B·T]
  logitRows?: Int32Array; // [R]
  acts?: Activations | LlamaActivations;
  norm?: NormHook; // Llama only
  rope?: RopeHook; // Llama only
  swiglu?: SwigluHook; // Llama only
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

// A Llama block's intermediates, for llama-backward.ts.
export interface LlamaLayerActs {
  xn1: Floats; // [N, D] RMSNorm(x) before attention
  rstd1: Floats; // [N]
  q: Floats; // [N, H·d], rotated
  k: Floats; // [N, H_kv·d], rotated (what the cache holds)
  v: Floats; // [N, H_kv·d]
  att: Floats; // [B, H, T, T] attention probabilities (kept only in `acts`)
  atty: Floats; // [N, H·d] heads concatenated, before o_proj
  attproj: Floats; // [N, D]
  res2: Floats; // [N, D] x after the attention sublayer
  xn2: Floats; // [N, D] RMSNorm before the MLP
  rstd2: Floats; // [N]
  gate: Floats; // [N, I] x·W_gate
  up: Floats; // [N, I] x·W_up
  h: Floats; // [N, I] silu(gate) ⊙ up
  down: Floats; // [N, D]
  res3: Floats; // [N, D] the block's output
}

export interface LlamaActivations {
  B: number;
  T: number;
  ids: Int32Array; // [N]
  encoded: Floats; // [N, D]
  layers: LlamaLayerActs[];
  xnf: Floats; // [N, D] final RMSNorm
  rstdf: Floats; // [N]
  logits: Floats; // [N, V]
}

function llamaLayerActs(
  F: Alloc,
  B: number,
  T: number,
  D: number,
  H: number,
  Hkv: number,
  d: number,
  I: number,
  keepAtt: boolean,
): LlamaLayerActs {
  const N = B * T;
  return {
    xn1: F(N * D),
    rstd1: F(N),
    q: F(N * H * d),
    k: F(N * Hkv * d),
    v: F(N * Hkv * d),
    att: F(keepAtt ? B * H * T * T : 0),
    atty: F(N * H * d),
    attproj: F(N * D),
    res2: F(N * D),
    xn2: F(N * D),
    rstd2: F(N),
    gate: F(N * I),
    up: F(N * I),
    h: F(N * I),
    down: F(N * D),
    res3: F(N * D),
  };
}

export function allocLlamaActivations(
  c: LlamaConfig,
  B: number,
  T: number,
  dtype: "float32" | "float64" = "float32",
): LlamaActivations {
  const F: Alloc = (n) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const D = c.hidden_size;
  const N = B * T;
  const layers: LlamaLayerActs[] = [];
  for (let l = 0; l < c.num_hidden_layers; l++)
    layers.push(
      llamaLayerActs(
        F,
        B,
        T,
        D,
        c.num_attention_heads,
        c.num_key_value_heads,
        c.head_dim,
        c.intermediate_size,
        true,
      ),
    );
  return {
    B,
    T,
    ids: new Int32Array(N),
    encoded: F(N * D),
    layers,
    xnf: F(N * D),
    rstdf: F(N),
    logits: F(N * c.vocab_size),
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
  model: AnySpecimen,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  hooks: ForwardHooks = {},
): Floats {
  const c = model.config;
  const llama = isLlama(model) ? model : undefined;
  const gpt = isLlama(model) ? undefined : model;
  const { cache } = hooks;
  const C = llama ? llama.config.hidden_size : headDim(c as GPTConfig) * (c as GPTConfig).n_head;
  const d = llama ? llama.config.head_dim : headDim(c as GPTConfig);
  const N = B * T;
  const V = c.vocab_size;
  const p0 = cache?.length ?? 0;
  if (ids.length !== N)
    throw new Error(`forward: expected B·T = ${B}·${T} = ${N} token ids, got ${ids.length}`);
  const { positions, logitRows } = hooks;
  let end = p0 + T; // one past the last position of this call
  if (positions) {
    if (positions.length !== N)
      throw new Error(`forward: positions needs B·T = ${N} entries, got ${positions.length}`);
    end = 0;
    for (const p of positions) {
      if (!Number.isInteger(p) || p < 0) throw new Error(`forward: position ${p} is not a whole number ≥ 0`);
      end = Math.max(end, p + 1);
    }
    if (hooks.rope) throw new Error("forward: the rope hook turns rows by p0 + t; it cannot take positions");
  }
  if (logitRows?.some((r) => !Number.isInteger(r) || r < 0 || r >= N))
    throw new Error(`forward: logitRows must be rows 0 … ${N - 1}`);
  if (logitRows && hooks.acts) throw new Error("forward: logitRows cannot be combined with acts (training)");
  // GPT-2 has a learned position table and cannot run past it; RoPE has no table, so a
  // Llama runs at any length (how well is lab 07's long-context question).
  if (gpt && positions && end > gpt.config.n_positions)
    throw new Error(`forward: position ${end - 1} is past n_positions (${gpt.config.n_positions})`);
  if (gpt && !positions && p0 + T > gpt.config.n_positions)
    throw new Error(
      p0 === 0
        ? `forward: sequence length ${T} is longer than n_positions (${gpt.config.n_positions})`
        : `forward: ${p0} cached + ${T} new positions exceed n_positions (${gpt.config.n_positions})`,
    );
  const acts = hooks.acts;
  // the built-in attention keeps probabilities [B, H, T, T] for whole sequences only; an attention
  // hook that keeps its own (lab 10's prefix, a cache the model never computed) may train after one
  if (acts && (acts.B !== B || acts.T !== T || (p0 !== 0 && !hooks.attention)))
    throw new Error(
      `forward: activations for ${acts.B}×${acts.T} cannot keep a ${B}×${T} chunk at position ${p0}`,
    );
  if (acts && "xnf" in acts !== Boolean(llama))
    throw new Error(`forward: these activations are for the other architecture (GPT-2 vs Llama)`);
  const piece = hooks.norm ? "norm" : hooks.rope ? "rope" : hooks.swiglu ? "swiglu" : undefined;
  if (piece && !llama)
    throw new Error(
      `forward: the ${piece} hook is for a Llama; a GPT-2 has LayerNorm, learned positions and GELU`,
    );
  // the backward reads what the built-in layers save (RMSNorm's rstd), which a hook does not write
  if (piece && acts) throw new Error(`forward: the ${piece} hook cannot be combined with acts (training)`);
  const first = llama ? llama.params.embed_tokens : (gpt as Specimen).params.wte;
  const dtype = first instanceof Float64Array ? "float64" : "float32";
  const F: Alloc = (n) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  // out = x·W + b, by the hook when there is one
  const linear = (
    out: Floats,
    l: number,
    name: LinearName | LlamaLinearName,
    x: Floats,
    W: Linear,
    K: number,
    M: number,
  ) => applyLinear(hooks, out, l, name, x, W, N, K, M);
  // the attention of this chunk's queries over the store, by the hook when there is one
  const attend = (out: Floats, q: Floats, store: KVStore<Floats>, at: number, H: number, probs?: Floats) =>
    applyAttention(hooks, out, q, store, at, B, T, H, probs);

  if (acts) acts.ids.set(Array.from(ids));
  let x = acts?.encoded ?? F(N * C);
  if (llama) encoderForward(x, ids, llama.params.embed_tokens, null, B, T, C, V, p0);
  else if (gpt) encoderForward(x, ids, gpt.params.wte, gpt.params.wpe, B, T, C, V, p0, positions);
  hooks.embed?.(x, B, T);

  if (llama) {
    const lc = llama.config;
    const eps = lc.rms_norm_eps;
    const rope = { ...ropeFrequencies(lc, end), p0, positions };
    // the Llama's three pieces, each by its hook when there is one
    const norm = (
      out: Floats,
      rstd: Floats,
      l: number,
      name: Parameters<NormHook>[1],
      x: Floats,
      g: Floats,
      rowCount = N,
    ) => {
      if (hooks.norm) out.set(hooks.norm(l, name, x as Float32Array, g as Float32Array, rowCount, C, eps));
      else rmsNormForward(out, rstd, x, g, rowCount, C, eps);
    };
    const rotate = (x: Floats, l: number, which: "q" | "k", heads: number) => {
      if (hooks.rope) x.set(hooks.rope(l, which, x as Float32Array, B, T, heads, d, rope));
      else ropeForward(x, x, B, T, heads, d, rope); // in place
    };
    const la = acts as LlamaActivations | undefined;
    for (let l = 0; l < llama.params.layers.length; l++) {
      const w = llama.params.layers[l];
      const H = w.q_proj.weight.length / (C * d); // query heads this block has
      const Hkv = w.k_proj.weight.length / (C * d); // key/value heads
      const I = w.gate_proj.weight.length / C; // MLP channels
      const L = la?.layers[l] ?? llamaLayerActs(F, B, T, C, H, Hkv, d, I, false);
      const at = cache ? l : 0;

      norm(L.xn1, L.rstd1, l, "input_layernorm", x, w.input_layernorm);
      linear(L.q, l, "q_proj", L.xn1, w.q_proj, C, H * d); // [N, H·d]
      linear(L.k, l, "k_proj", L.xn1, w.k_proj, C, Hkv * d); // [N, H_kv·d]
      linear(L.v, l, "v_proj", L.xn1, w.v_proj, C, Hkv * d);
      rotate(L.q, l, "q", H); // positions p0 … p0+T−1
      rotate(L.k, l, "k", Hkv);
      if (la && !cache && !hooks.attention) {
        // training: the whole sequence at once, as matrix products (attention-matmul.ts)
        causalAttentionForward(L.atty, L.att, L.q, L.k, L.v, B, T, H, Hkv, d);
      } else {
        const store = cache ?? new KVCache(1, Hkv, d, T, B, dtype); // scratch: this chunk only
        store.append(at, L.k, L.v, B, T);
        attend(L.atty, L.q, store, at, H, la ? L.att : undefined);
      }
      linear(L.attproj, l, "o_proj", L.atty, w.o_proj, H * d, C);
      residualForward(L.res2, x, L.attproj, N * C);
      norm(L.xn2, L.rstd2, l, "post_attention_layernorm", L.res2, w.post_attention_layernorm);
      linear(L.gate, l, "gate_proj", L.xn2, w.gate_proj, C, I); // [N, I]
      linear(L.up, l, "up_proj", L.xn2, w.up_proj, C, I);
      if (hooks.swiglu) L.h.set(hooks.swiglu(l, L.gate as Float32Array, L.up as Float32Array, N, I));
      else swigluForward(L.h, L.gate, L.up, N * I);
      linear(L.down, l, "down_proj", L.h, w.down_proj, I, C);
      residualForward(L.res3, L.res2, L.down, N * C);
      x = L.res3;
    }
    cache?.advance(T);
    const R = logitRows?.length ?? N;
    if (logitRows) x = rows(x, logitRows, C, F);
    const xnf = la?.xnf ?? F(R * C);
    norm(xnf, la?.rstdf ?? F(R), llama.params.layers.length, "norm", x, llama.params.norm, R);
    const logits = la?.logits ?? F(R * V);
    logits.fill(0);
    matmulTransBAccumulate(logits, xnf, llama.params.lm_head, R, C, V); // logits = x · lm_headᵀ
    return logits;
  }

  const g = gpt as Specimen;
  const ga = acts as Activations | undefined;
  for (let l = 0; l < g.params.h.length; l++) {
    const w = g.params.h[l];
    const H = w.c_attn.bias.length / (3 * d); // heads this block has
    const L = ga?.layers[l] ?? layerActs(F, B, T, C, H, d, w.c_fc.bias.length, false);
    x = gptBlockForward(g, l, x, L, B, T, hooks);
  }
  cache?.advance(T);
  if (logitRows)
    return gptHeadForward(g, rows(x, logitRows, C, F), headActs(F, logitRows.length, C, V), logitRows.length);
  return gptHeadForward(g, x, ga ?? headActs(F, N, C, V), N);
}

// Rows `which` of x [N, C], as a new [R, C] array.
function rows(x: Floats, which: Int32Array, C: number, F: Alloc): Floats {
  const out = F(which.length * C);
  which.forEach((r, i) => out.set(x.subarray(r * C, (r + 1) * C), i * C));
  return out;
}

// out = x·W + b for x [N, K], W [K, M]: by the linear hook when there is one.
function applyLinear(
  hooks: BlockHooks,
  out: Floats,
  l: number,
  name: LinearName | LlamaLinearName,
  x: Floats,
  W: Linear,
  N: number,
  K: number,
  M: number,
): void {
  if (hooks.linear) out.set(hooks.linear(l, name, x as Float32Array, N, K, M, W));
  else linearForward(out, x, W.weight, W.bias, N, K, M);
}

// The heads' outputs [N, H·d] of this chunk's queries over the store: by the attention
// hook when there is one. `probs` [B, H, T, T] keeps the probabilities (training).
function applyAttention(
  hooks: BlockHooks,
  out: Floats,
  q: Floats,
  store: KVStore<Floats>,
  at: number,
  B: number,
  T: number,
  H: number,
  probs?: Floats,
): void {
  // (a hook sees float32 arrays: only the float64 gradient check runs without hooks)
  if (hooks.attention) out.set(hooks.attention(at, q as Float32Array, store as KVStore, B, T, H));
  else attentionForward(out, q, store, at, B, T, H, probs); // [N, H·d]
}

// The hooks one block sees (forwardPass's, less the ones for the whole pass).
export type BlockHooks = Pick<ForwardHooks, "cache" | "linear" | "attention">;

// One GPT-2 block, the body of the loop: x [N, C] (the block's input, read only) → L.res3 [N, C].
//   q, k, v = split(ln_1(x) · W_attn + b_attn)
//   res2 = x + Attention(q, k, v) · W_proj + b_proj
//   res3 = res2 + gelu(ln_2(res2) · W_fc + b_fc) · W_mlp + b_mlp
// Every intermediate is written into L, where the backward pass (gptBlockBackward) reads it;
// the attention probabilities only when L.att has room for them ([B, H, T, T]; else length 0).
// Training calls it once per block per step; activation recomputation (lab 08) calls it
// again in the backward pass, on the same input, and gets the same bits.
export function gptBlockForward(
  model: Specimen,
  l: number,
  x: Floats,
  L: LayerActs,
  B: number,
  T: number,
  hooks: BlockHooks = {},
): Floats {
  const w = model.params.h[l];
  const C = model.config.n_embd;
  const d = headDim(model.config);
  const eps = model.config.layer_norm_epsilon;
  const N = B * T;
  const H = w.c_attn.bias.length / (3 * d); // heads this block has
  const Fw = w.c_fc.bias.length; // MLP channels this block has
  const Hd = H * d;
  const dtype = x instanceof Float64Array ? "float64" : "float32";
  const F: Alloc = (n) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const { cache } = hooks;
  const store = cache ?? new KVCache(1, H, d, T, B, dtype); // scratch: this chunk only
  const at = cache ? l : 0;
  const linear = (out: Floats, name: LinearName, input: Floats, W: Linear, K: number, M: number) =>
    applyLinear(hooks, out, l, name, input, W, N, K, M);

  layerNormForward(L.ln1, L.ln1Mean, L.ln1Rstd, x, w.ln_1.weight, w.ln_1.bias, N, C, eps);
  linear(L.qkv, "c_attn", L.ln1, w.c_attn, C, 3 * Hd); // [N, 3·H·d] = [q | k | v]
  const q = columns(L.qkv, N, 3 * Hd, 0, Hd, F); // [N, H·d]
  store.append(at, columns(L.qkv, N, 3 * Hd, Hd, Hd, F), columns(L.qkv, N, 3 * Hd, 2 * Hd, Hd, F), B, T);
  applyAttention(hooks, L.atty, q, store, at, B, T, H, L.att.length > 0 ? L.att : undefined);
  linear(L.attproj, "attn_c_proj", L.atty, w.attn_c_proj, Hd, C);
  residualForward(L.res2, x, L.attproj, N * C);
  layerNormForward(L.ln2, L.ln2Mean, L.ln2Rstd, L.res2, w.ln_2.weight, w.ln_2.bias, N, C, eps);
  linear(L.fch, "c_fc", L.ln2, w.c_fc, C, Fw); // [N, F]
  geluForward(L.fchGelu, L.fch, N * Fw);
  linear(L.fcproj, "mlp_c_proj", L.fchGelu, w.mlp_c_proj, Fw, C);
  residualForward(L.res3, L.res2, L.fcproj, N * C);
  return L.res3;
}

// What the LM head keeps for the backward pass (a part of Activations).
export interface HeadActs {
  lnf: Floats; // [N, C]
  lnfMean: Floats; // [N]
  lnfRstd: Floats; // [N]
  logits: Floats; // [N, V]
}

function headActs(F: Alloc, N: number, C: number, V: number): HeadActs {
  return { lnf: F(N * C), lnfMean: F(N), lnfRstd: F(N), logits: F(N * V) };
}

// The head after the last block: logits = ln_f(x) · wteᵀ, x [N, C] → h.logits [N, V].
// The LM head is tied to wte (Press & Wolf 2017).
export function gptHeadForward(model: Specimen, x: Floats, h: HeadActs, N: number): Floats {
  const p = model.params;
  const C = model.config.n_embd;
  const V = model.config.vocab_size;
  layerNormForward(
    h.lnf,
    h.lnfMean,
    h.lnfRstd,
    x,
    p.ln_f.weight,
    p.ln_f.bias,
    N,
    C,
    model.config.layer_norm_epsilon,
  );
  h.logits.fill(0);
  matmulTransBAccumulate(h.logits, h.lnf, p.wte, N, C, V);
  return h.logits;
}

// The attention probabilities of one GPT-2 block, recomputed from its qkv [N, 3·H·d] alone:
//   P[b, h, t, j] = softmax_j(q_t · k_j / √d),  j ≤ t   (0 above the diagonal)
// into att [B, H, T, T]: what selective recomputation (Korthikanti et al. 2022, §5) recomputes
// instead of keeping. The arithmetic is attentionForward's (layers.ts), step for step, so the
// recomputed P is the kept P bit for bit (test/forward.test.ts checks it), and gradients
// computed from it equal the kept-P gradients exactly.
export function gptAttentionProbs(
  att: Floats,
  qkv: Floats,
  B: number,
  T: number,
  H: number,
  d: number,
): void {
  const Hd = H * d;
  const scale = 1 / Math.sqrt(d);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++) {
        const a = ((b * H + h) * T + t) * T;
        const qt = (b * T + t) * 3 * Hd + h * d;
        // max over the unrounded scores, as attentionForward takes it
        let max = -Infinity;
        for (let j = 0; j <= t; j++) {
          const kj = (b * T + j) * 3 * Hd + Hd + h * d;
          let s = 0;
          for (let i = 0; i < d; i++) s += qkv[qt + i] * qkv[kj + i];
          s *= scale;
          att[a + j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j <= t; j++) {
          const e = Math.exp(att[a + j] - max);
          att[a + j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j <= t; j++) att[a + j] *= inv;
        for (let j = t + 1; j < T; j++) att[a + j] = 0;
      }
}
