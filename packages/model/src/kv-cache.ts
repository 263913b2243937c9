// Generation with a KV cache.
//
// A decoder generates one token at a time, and at step t attention needs the keys
// and values of every earlier position. They do not change once computed (the
// causal mask means position t2 never sees anything after it), so we keep them:
//
//   prefill:  run the prompt's T tokens at once, store k, v for positions 0..T-1
//   step:     run ONE new token at position p = cache.length; its query attends to
//             the stored keys 0..p-1 plus its own key; append its k, v
//
// Per new token that is O(T·C) attention work instead of recomputing the whole
// O(T²·C) prefix (and all its matmuls): bench/generate.bench.ts measures the gain.
// The cache layout per layer is [B, n_head, capacity, head_dim], the
// `past_key_values.{i}.key` layout of Hugging Face's GPT-2 and of our ONNX export.

import { headDim, type GPTConfig } from "./config.ts";
import type { GPT } from "./gpt.ts";
import { encoderForward, geluForward, layerNormForward, residualForward } from "./layers.ts";
import { matmulTransBInto } from "@llm-labs/tensor";
import { linearForward } from "./linear.ts";
import type { Floats } from "./params.ts";

export class KVCache {
  readonly key: Float32Array[] = []; // per layer, [B, H, capacity, hs]
  readonly value: Float32Array[] = [];
  length = 0; // positions filled so far (the "past" length)

  constructor(
    readonly config: GPTConfig,
    readonly batch: number,
    readonly capacity: number = config.n_positions,
  ) {
    if (capacity > config.n_positions) {
      throw new Error(`KVCache: capacity ${capacity} exceeds n_positions (${config.n_positions})`);
    }
    const size = batch * config.n_head * capacity * headDim(config);
    for (let l = 0; l < config.n_layer; l++) {
      this.key.push(new Float32Array(size));
      this.value.push(new Float32Array(size));
    }
  }
}

// Attention of T new queries against the cache (which already holds their k, v):
// query t of this chunk sits at absolute position p0 + t and may attend to 0..p0+t.
//   out_t = Σ_{j ≤ p0+t} softmax_j(q_t · k_j / sqrt(hs)) · v_j
function cachedAttention(
  out: Floats,
  qkv: Floats,
  K: Float32Array,
  Vc: Float32Array,
  B: number,
  T: number,
  C: number,
  H: number,
  p0: number,
  cap: number,
): void {
  const hs = C / H;
  const scale = 1 / Math.sqrt(hs);
  const C3 = 3 * C;
  const scores = new Float64Array(p0 + T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const base = (b * H + h) * cap * hs; // start of this (batch, head) in the cache
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * C3 + h * hs;
        const last = p0 + t;
        let max = -Infinity;
        for (let j = 0; j <= last; j++) {
          const k = base + j * hs;
          let s = 0;
          for (let i = 0; i < hs; i++) s += qkv[q + i] * K[k + i];
          s *= scale;
          scores[j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        const o = (b * T + t) * C + h * hs;
        for (let i = 0; i < hs; i++) out[o + i] = 0;
        for (let j = 0; j <= last; j++) {
          const w = scores[j] / sum;
          const v = base + j * hs;
          for (let i = 0; i < hs; i++) out[o + i] += w * Vc[v + i];
        }
      }
    }
  }
}

// Runs T new tokens per sequence ([B, T] row-major ids) through the model,
// appending their keys and values to `cache`. Returns logits [B, T, V].
export function forwardCached(
  model: GPT,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  cache: KVCache,
): Float32Array {
  const c = model.config;
  const p = model.params;
  const C = c.n_embd;
  const N = B * T;
  const V = c.vocab_size;
  const H = c.n_head;
  const hs = headDim(c);
  const eps = c.layer_norm_epsilon;
  if (ids.length !== N)
    throw new Error(`forwardCached: expected B·T = ${B}·${T} = ${N} token ids, got ${ids.length}`);
  if (B !== cache.batch)
    throw new Error(`forwardCached: the cache was made for batch ${cache.batch}, got batch ${B}`);
  const p0 = cache.length;
  const cap = cache.capacity;
  if (p0 + T > cap) {
    throw new Error(
      `forwardCached: ${p0} cached + ${T} new positions exceed the cache capacity ${cap} (n_positions ${c.n_positions})`,
    );
  }
  const F = (n: number) => new Float32Array(n);
  let x: Floats = F(N * C);
  encoderForward(x, ids, p.wte, p.wpe, B, T, C, V, p0);
  const ln = F(N * C);
  const mean = F(N);
  const rstd = F(N);
  const qkv = F(N * 3 * C);
  const atty = F(N * C);
  const proj = F(N * C);
  const fch = F(N * 4 * C);
  const fchGelu = F(N * 4 * C);
  const res = F(N * C);
  for (let l = 0; l < c.n_layer; l++) {
    const w = p.h[l];
    const K = cache.key[l];
    const Vc = cache.value[l];
    layerNormForward(ln, mean, rstd, x, w.ln_1.weight, w.ln_1.bias, N, C, eps);
    linearForward(qkv, ln, w.c_attn.weight, w.c_attn.bias, N, C, 3 * C);
    // append this chunk's k and v at positions p0..p0+T-1
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const row = (b * T + t) * 3 * C;
        for (let h = 0; h < H; h++) {
          const dst = ((b * H + h) * cap + p0 + t) * hs;
          for (let i = 0; i < hs; i++) {
            K[dst + i] = qkv[row + C + h * hs + i];
            Vc[dst + i] = qkv[row + 2 * C + h * hs + i];
          }
        }
      }
    }
    cachedAttention(atty, qkv, K, Vc, B, T, C, H, p0, cap);
    linearForward(proj, atty, w.attn_c_proj.weight, w.attn_c_proj.bias, N, C, C);
    residualForward(res, x, proj, N * C);
    layerNormForward(ln, mean, rstd, res, w.ln_2.weight, w.ln_2.bias, N, C, eps);
    linearForward(fch, ln, w.c_fc.weight, w.c_fc.bias, N, C, 4 * C);
    geluForward(fchGelu, fch, N * 4 * C);
    linearForward(proj, fchGelu, w.mlp_c_proj.weight, w.mlp_c_proj.bias, N, 4 * C, C);
    const next = F(N * C);
    residualForward(next, res, proj, N * C);
    x = next;
  }
  layerNormForward(ln, mean, rstd, x, p.ln_f.weight, p.ln_f.bias, N, C, eps);
  const out = F(N * V);
  matmulTransBInto(out, ln, p.wte, N, C, V);
  cache.length = p0 + T;
  return out;
}
