// The GPT-2 forward pass (Radford et al. 2019, "Language Models are Unsupervised
// Multitask Learners", §2.3), batched, without a cache: every call sees whole sequences.
//
//   x = wte[ids] + wpe[0..T)                               token + learned position embeddings
//   for each block (pre-norm: LayerNorm *before* each sublayer, GPT-2's change to GPT-1):
//     x = x + c_proj(CausalSelfAttention(ln_1(x)))
//     x = x + mlp.c_proj(gelu(mlp.c_fc(ln_2(x))))
//   logits = ln_f(x) · wteᵀ                                the LM head is tied to wte (Press & Wolf 2017)
//
// `forward` keeps every intermediate (the `Activations`), because the backward
// pass (backward.ts) needs them; the generation path with a KV cache is kv-cache.ts.

import type { GPTConfig } from "./config.ts";
import {
  attentionForward,
  encoderForward,
  geluForward,
  layerNormForward,
  residualForward,
} from "./layers.ts";
import { matmulTransBInto } from "@llm-labs/tensor";
import { linearForward } from "./linear.ts";
import { initParams, type Floats, type Params } from "./params.ts";

export interface GPT {
  config: GPTConfig;
  params: Params;
}

export function createGPT(config: GPTConfig, seed: number, dtype: "float32" | "float64" = "float32"): GPT {
  return { config, params: initParams(config, seed, dtype) };
}

export interface LayerActs {
  ln1: Floats;
  ln1Mean: Floats;
  ln1Rstd: Floats; // [N, C], [N], [N]
  qkv: Floats; // [N, 3C]
  att: Floats; // [B, H, T, T] attention probabilities
  atty: Floats; // [N, C] heads concatenated, before c_proj
  attproj: Floats; // [N, C]
  res2: Floats; // [N, C] x after the attention sublayer
  ln2: Floats;
  ln2Mean: Floats;
  ln2Rstd: Floats;
  fch: Floats; // [N, 4C] before GELU
  fchGelu: Floats; // [N, 4C]
  fcproj: Floats; // [N, C]
  res3: Floats; // [N, C] the block's output
}

export interface Activations {
  B: number;
  T: number;
  ids: Int32Array;
  encoded: Floats; // [N, C]
  layers: LayerActs[];
  lnf: Floats;
  lnfMean: Floats;
  lnfRstd: Floats;
  logits: Floats; // [N, V]
}

export function allocActivations(
  config: GPTConfig,
  B: number,
  T: number,
  dtype: "float32" | "float64" = "float32",
): Activations {
  const F = (n: number): Floats => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const C = config.n_embd;
  const N = B * T;
  const H = config.n_head;
  const layers: LayerActs[] = [];
  for (let l = 0; l < config.n_layer; l++) {
    layers.push({
      ln1: F(N * C),
      ln1Mean: F(N),
      ln1Rstd: F(N),
      qkv: F(N * 3 * C),
      att: F(B * H * T * T),
      atty: F(N * C),
      attproj: F(N * C),
      res2: F(N * C),
      ln2: F(N * C),
      ln2Mean: F(N),
      ln2Rstd: F(N),
      fch: F(N * 4 * C),
      fchGelu: F(N * 4 * C),
      fcproj: F(N * C),
      res3: F(N * C),
    });
  }
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

// ids: B·T token ids, row-major [B, T]. Reuses `acts` when given (training does, every step).
export function forward(
  model: GPT,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  acts?: Activations,
): Activations {
  const c = model.config;
  const p = model.params;
  const C = c.n_embd;
  const N = B * T;
  const V = c.vocab_size;
  const H = c.n_head;
  const eps = c.layer_norm_epsilon;
  if (ids.length !== N)
    throw new Error(`forward: expected B·T = ${B}·${T} = ${N} token ids, got ${ids.length}`);
  if (T > c.n_positions)
    throw new Error(`forward: sequence length ${T} is longer than n_positions (${c.n_positions})`);
  const dtype = p.flat instanceof Float64Array ? "float64" : "float32";
  const a = acts && acts.B === B && acts.T === T ? acts : allocActivations(c, B, T, dtype);
  for (let i = 0; i < N; i++) a.ids[i] = ids[i];

  encoderForward(a.encoded, ids, p.wte, p.wpe, B, T, C, V);
  let x = a.encoded;
  for (let l = 0; l < c.n_layer; l++) {
    const w = p.h[l];
    const L = a.layers[l];
    layerNormForward(L.ln1, L.ln1Mean, L.ln1Rstd, x, w.ln_1.weight, w.ln_1.bias, N, C, eps);
    linearForward(L.qkv, L.ln1, w.c_attn.weight, w.c_attn.bias, N, C, 3 * C);
    attentionForward(L.atty, L.att, L.qkv, B, T, C, H);
    linearForward(L.attproj, L.atty, w.attn_c_proj.weight, w.attn_c_proj.bias, N, C, C);
    residualForward(L.res2, x, L.attproj, N * C);
    layerNormForward(L.ln2, L.ln2Mean, L.ln2Rstd, L.res2, w.ln_2.weight, w.ln_2.bias, N, C, eps);
    linearForward(L.fch, L.ln2, w.c_fc.weight, w.c_fc.bias, N, C, 4 * C);
    geluForward(L.fchGelu, L.fch, N * 4 * C);
    linearForward(L.fcproj, L.fchGelu, w.mlp_c_proj.weight, w.mlp_c_proj.bias, N, 4 * C, C);
    residualForward(L.res3, L.res2, L.fcproj, N * C);
    x = L.res3;
  }
  layerNormForward(a.lnf, a.lnfMean, a.lnfRstd, x, p.ln_f.weight, p.ln_f.bias, N, C, eps);
  a.logits.fill(0);
  matmulTransBInto(a.logits, a.lnf, p.wte, N, C, V); // tied head: logits = ln_f(x) · wteᵀ
  return a;
}

// Logits [B, T, V] for a batch of equal-length sequences, no cache.
export function logits(model: GPT, batch: number[][]): Float32Array {
  const B = batch.length;
  const T = batch[0]?.length ?? 0;
  if (B === 0 || T === 0) throw new Error("logits: needs at least one non-empty sequence");
  if (batch.some((s) => s.length !== T))
    throw new Error(
      `logits: all sequences must have the same length (${T}); got ${batch.map((s) => s.length).join(", ")}`,
    );
  return Float32Array.from(forward(model, batch.flat(), B, T).logits);
}
