// Prefix tuning (Li & Liang 2021) and P-tuning v2 (Liu et al. 2021): learned keys and values
// in front of every layer's attention. Where prompt tuning adds P input vectors that the
// model then turns into keys and values layer by layer, a prefix IS those keys and values,
// chosen freely per layer:
//
//   layer l attends over [K_prefix,l ; K_chunk]   [P + T, C]    and [V_prefix,l ; V_chunk]
//
// That is exactly a KV cache the model never computed: the course's forward runs with the
// prefix in its cache, and ONNX Runtime and transformers.js take it as past_key_values
// (prefix-production.ts). The real tokens come after it, at positions P … P+T−1, as after
// any cache.
//
// θ's layout, [L, 2, P, C]: layer, keys (0) or values (1), position, then head h in columns
// h·d … (h+1)·d — the layout of the chunk's own k and v, so a layer's prefix is one append.
//
// P-tuning v2 trains that prefix directly: L·2·P·C numbers. Prefix tuning trains it through
// a reparameterisation (Li & Liang §4.3: optimising the prefix directly was unstable),
//
//   prefix = tanh(E·W₁ + b₁)·W₂ + b₂        E [P, C], W₁ [C, h], W₂ [h, 2·L·C]   → [P, 2·L·C]
//
// whose column (2l + kv)·C + c is prefix[l, kv, p, c]; after training only the prefix is kept.
//
// The gradient. For query t of one head, with a_j its softmax over all P + t + 1 keys,
//   datt_j = v_j · dout_t               dv_j += a_j · dout_t
//   ds_j   = a_j · (datt_j − Σ_i a_i·datt_i) / √d
//   dq_t  += Σ_j ds_j · k_j             dk_j += ds_j · q_t
// — the usual attention backward, except that for j < P the key and value are θ: their
// gradients go to the prefix (summed over the batch), the rest to the chunk's q, k, v.

import type { Peft } from "@llm-labs/lab-lora";
import {
  attentionForward,
  forwardPass,
  headDim,
  KVCache,
  type Floats,
  type GPT,
  type KVStore,
  type TrainHooks,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";

// Layer l's keys (kv = 0) or values (kv = 1) in a prefix [L, 2, P, C], as a [P, C] view.
export function prefixBlock<F extends Floats>(prefix: F, l: number, kv: 0 | 1, P: number, C: number): F {
  const start = (2 * l + kv) * P * C;
  return prefix.subarray(start, start + P * C) as F;
}

// A cache for B sequences of up to T new tokens that already holds the prefix [L, 2, P, C].
export function prefixCache(
  model: Pick<GPT, "config">,
  prefix: Floats,
  P: number,
  B: number,
  T: number,
): KVCache {
  const { n_layer: L, n_head: H, n_embd: C } = model.config;
  if (!Number.isInteger(P) || P < 1) throw new Error(`prefix: P must be a positive integer, got ${P}`);
  if (prefix.length !== L * 2 * P * C)
    throw new Error(
      `prefix: expected [${L}, 2, ${P}, ${C}] = ${L * 2 * P * C} numbers, got ${prefix.length}`,
    );
  const dtype = prefix instanceof Float64Array ? "float64" : "float32";
  const cache = new KVCache(L, H, headDim(model.config), P + T, B, dtype);
  const Ctor = prefix instanceof Float64Array ? Float64Array : Float32Array;
  const k = new Ctor(B * P * C); // [B, P, C]: every sequence gets the same prefix
  const v = new Ctor(B * P * C);
  for (let l = 0; l < L; l++) {
    for (let b = 0; b < B; b++) {
      k.set(prefixBlock(prefix, l, 0, P, C), b * P * C);
      v.set(prefixBlock(prefix, l, 1, P, C), b * P * C);
    }
    cache.append(l, k, v, B, P);
  }
  cache.advance(P);
  return cache;
}

// The other way: positions 0 … P−1 of sequence b of a cache, as a prefix [L, 2, P, C].
export function prefixFromCache(cache: KVCache, P: number, b = 0): Floats {
  const { layers: L, heads: H, d, capacity: cap } = cache;
  if (!Number.isInteger(P) || P < 1 || P > cache.length)
    throw new Error(`prefixFromCache: P must be a whole number in 1 … ${cache.length}, got ${P}`);
  const C = H * d;
  const prefix =
    cache.keys[0] instanceof Float64Array ? new Float64Array(L * 2 * P * C) : new Float32Array(L * 2 * P * C);
  for (let l = 0; l < L; l++)
    for (const [kv, from] of [cache.keys[l], cache.values[l]].entries()) {
      const to = prefixBlock(prefix, l, kv as 0 | 1, P, C); // [P, C]; the cache is [batch, H, capacity, d]
      for (let h = 0; h < H; h++)
        for (let p = 0; p < P; p++)
          for (let i = 0; i < d; i++) to[p * C + h * d + i] = from[((b * H + h) * cap + p) * d + i];
    }
  return prefix;
}

// The attention backward of one layer over [prefix ; chunk].
//   dqkv  [B·T, 3C]   += the chunk's dq, dk, dv
//   dpre  [2, P, C]   += this layer's prefix gradient (keys, then values)
//   dout  [B·T, C]    ∂L/∂(heads' outputs);  qkv [B·T, 3C] the chunk's q | k | v
//   probs [B, H, T, P + T] the forward's softmax;  store: the cache (prefix and chunk)
export function prefixAttentionBackward(
  dqkv: Floats,
  dpre: Floats,
  dout: Floats,
  qkv: Floats,
  probs: Floats,
  store: KVStore<Floats>,
  layer: number,
  B: number,
  T: number,
  P: number,
  H: number,
): void {
  const d = store.d;
  const C = H * d;
  const S = P + T;
  const scale = 1 / Math.sqrt(d);
  const datt = new Float64Array(S);
  // #region exercise prefix-kv
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const K = store.headKeys(layer, b, h, S); // [S, d]: P prefix keys, then the chunk's
      const V = store.headValues(layer, b, h, S);
      for (let t = 0; t < T; t++) {
        const a = probs.subarray(((b * H + h) * T + t) * S, ((b * H + h) * T + t + 1) * S);
        const o = (b * T + t) * C + h * d; // dout_t
        const q = (b * T + t) * 3 * C + h * d; // q_t
        // where key/value j's gradient goes: the prefix for j < P, the chunk's k and v after
        const dk = (j: number) => (j < P ? j * C + h * d : (b * T + j - P) * 3 * C + C + h * d);
        const dkArr = (j: number) => (j < P ? dpre : dqkv);
        const dvOff = (j: number) => (j < P ? (P + j) * C + h * d : (b * T + j - P) * 3 * C + 2 * C + h * d);
        let dot = 0;
        for (let j = 0; j <= P + t; j++) {
          let s = 0;
          for (let i = 0; i < d; i++) s += V[j * d + i] * dout[o + i];
          datt[j] = s;
          dot += a[j] * s;
          const arr = dkArr(j);
          const vo = dvOff(j);
          for (let i = 0; i < d; i++) arr[vo + i] += a[j] * dout[o + i];
        }
        for (let j = 0; j <= P + t; j++) {
          const ds = a[j] * (datt[j] - dot) * scale;
          const arr = dkArr(j);
          const ko = dk(j);
          for (let i = 0; i < d; i++) {
            dqkv[q + i] += ds * K[j * d + i];
            arr[ko + i] += ds * qkv[q + i];
          }
        }
      }
    }
  // #endregion
}

// The hooks that train a prefix: the forward attends over the cache and keeps its softmax;
// the backward sends each layer's prefix gradient into dprefix [L, 2, P, C].
function prefixTrainHooks(
  model: GPT,
  prefix: Floats,
  P: number,
  B: number,
  T: number,
  dprefix: Floats,
  done: () => void,
): TrainHooks {
  const { n_layer: L, n_head: H, n_embd: C } = model.config;
  const cache = prefixCache(model, prefix, P, B, T);
  const Ctor = prefix instanceof Float64Array ? Float64Array : Float32Array;
  const probs = Array.from({ length: L }, () => new Ctor(B * H * T * (P + T)));
  return {
    forward: {
      cache,
      attention: (l, q, store, B, T, H) => {
        const out = new Ctor(B * T * H * headDim(model.config));
        attentionForward(out, q, store, l, B, T, H, probs[l]);
        return out as Float32Array;
      },
    },
    backward: {
      attention: (l, dqkv, dout, acts, B, T, H) =>
        prefixAttentionBackward(
          dqkv,
          dprefix.subarray(2 * l * P * C, (2 * l + 2) * P * C),
          dout,
          acts.qkv,
          probs[l],
          cache,
          l,
          B,
          T,
          P,
          H,
        ),
      // the embedding's backward runs after every layer's: the whole ∂L/∂prefix is known
      embed: done,
    },
  };
}

// The keys and values the frozen model computes for some tokens, as a prefix [L, 2, P, C]:
// P-tuning v2's starting point (Li & Liang §5 also start from real words' activations).
export function prefixFromTokens(model: GPT, ids: number[]): Floats {
  const { n_layer: L, n_head: H } = model.config;
  const dtype = model.params.flat instanceof Float64Array ? "float64" : "float32";
  const cache = new KVCache(L, H, headDim(model.config), ids.length, 1, dtype);
  forwardPass(model, ids, 1, ids.length, { cache });
  return prefixFromCache(cache, ids.length);
}

function randomIds(model: GPT, P: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: P }, () => rng.int(model.config.vocab_size));
}

// P-tuning v2: θ is the prefix itself.
export function pTuningV2Peft(model: GPT, P: number, seed = 1): Peft {
  const params = prefixFromTokens(model, randomIds(model, P, seed));
  return {
    name: `P-tuning v2 P=${P}`,
    params,
    apply(base, eff) {
      eff.params.flat.set(base.params.flat);
    },
    backward() {}, // θ is not a weight: the attention hooks give its gradient
    hooks: (B, T, dparams) =>
      dparams
        ? prefixTrainHooks(model, params, P, B, T, dparams, () => {})
        : inferenceHooks(model, params, P, B, T),
  };
}

function inferenceHooks(model: GPT, prefix: Floats, P: number, B: number, T: number): TrainHooks {
  return { forward: { cache: prefixCache(model, prefix, P, B, T) } };
}

// Prefix tuning's reparameterisation, its numbers laid out in θ as E | W₁ | b₁ | W₂ | b₂.
export interface PrefixMlp {
  P: number;
  hidden: number;
  E: Floats; // [P, C]
  W1: Floats; // [C, h]
  b1: Floats; // [h]
  W2: Floats; // [h, 2·L·C]
  b2: Floats; // [2·L·C]
}

export function prefixMlpView(model: GPT, params: Floats, P: number, hidden: number): PrefixMlp {
  const { n_layer: L, n_embd: C } = model.config;
  const sizes = [P * C, C * hidden, hidden, hidden * 2 * L * C, 2 * L * C];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (params.length !== total) throw new Error(`prefix MLP: expected ${total} numbers, got ${params.length}`);
  const views: Floats[] = [];
  let at = 0;
  for (const n of sizes) {
    views.push(params.subarray(at, at + n));
    at += n;
  }
  const [E, W1, b1, W2, b2] = views;
  return { P, hidden, E, W1, b1, W2, b2 };
}

// prefix [L, 2, P, C] = tanh(E·W₁ + b₁)·W₂ + b₂, rearranged; also returns the hidden h [P, h].
export function prefixMlpForward(model: GPT, m: PrefixMlp): { prefix: Floats; hid: Float64Array } {
  const { n_layer: L, n_embd: C } = model.config;
  const { P, hidden, E, W1, b1, W2, b2 } = m;
  const W = 2 * L * C;
  const hid = new Float64Array(P * hidden);
  for (let p = 0; p < P; p++)
    for (let j = 0; j < hidden; j++) {
      let s = b1[j];
      for (let c = 0; c < C; c++) s += E[p * C + c] * W1[c * hidden + j];
      hid[p * hidden + j] = Math.tanh(s);
    }
  const prefix =
    E instanceof Float64Array ? new Float64Array(L * 2 * P * C) : new Float32Array(L * 2 * P * C);
  for (let p = 0; p < P; p++)
    for (let col = 0; col < W; col++) {
      let s = b2[col];
      for (let j = 0; j < hidden; j++) s += hid[p * hidden + j] * W2[j * W + col];
      const lkv = Math.floor(col / C); // 2l + kv
      prefix[(lkv * P + p) * C + (col % C)] = s;
    }
  return { prefix, hid };
}

// The MLP's backward from dprefix [L, 2, P, C] into dm (a view of dparams laid out like m):
//   dO = dprefix rearranged [P, 2LC];  dW₂ += hᵀ·dO;  db₂ += Σ_p dO
//   da = (dO·W₂ᵀ) ⊙ (1 − h²);          dW₁ += Eᵀ·da;  db₁ += Σ_p da;  dE += da·W₁ᵀ
export function prefixMlpBackward(
  model: GPT,
  m: PrefixMlp,
  hid: Float64Array,
  dprefix: Floats,
  dm: PrefixMlp,
) {
  const { n_layer: L, n_embd: C } = model.config;
  const { P, hidden, E, W1, W2 } = m;
  const W = 2 * L * C;
  const da = new Float64Array(P * hidden);
  for (let p = 0; p < P; p++)
    for (let col = 0; col < W; col++) {
      const g = dprefix[(Math.floor(col / C) * P + p) * C + (col % C)];
      dm.b2[col] += g;
      for (let j = 0; j < hidden; j++) {
        dm.W2[j * W + col] += hid[p * hidden + j] * g;
        da[p * hidden + j] += g * W2[j * W + col];
      }
    }
  for (let p = 0; p < P; p++)
    for (let j = 0; j < hidden; j++) {
      const h = hid[p * hidden + j];
      const g = da[p * hidden + j] * (1 - h * h);
      dm.b1[j] += g;
      for (let c = 0; c < C; c++) {
        dm.W1[c * hidden + j] += E[p * C + c] * g;
        dm.E[p * C + c] += g * W1[c * hidden + j];
      }
    }
}

// Prefix tuning: θ is the MLP; every step computes the prefix from it.
export function prefixTuningPeft(model: GPT, P: number, hidden: number, seed = 1): Peft {
  const { n_layer: L, n_embd: C } = model.config;
  const Ctor = model.params.flat instanceof Float64Array ? Float64Array : Float32Array;
  const params = new Ctor(P * C + C * hidden + hidden + hidden * 2 * L * C + 2 * L * C);
  const m = prefixMlpView(model, params, P, hidden);
  const rng = new Rng(seed);
  randomIds(model, P, seed).forEach((v, p) => {
    m.E.set(model.params.wte.subarray(v * C, (v + 1) * C), p * C);
  });
  // small random weights, so the MLP starts near its linear regime (tanh ≈ identity)
  for (let i = 0; i < m.W1.length; i++) m.W1[i] = rng.normal(0, 1 / Math.sqrt(C));
  for (let i = 0; i < m.W2.length; i++) m.W2[i] = rng.normal(0, 1 / Math.sqrt(hidden));
  return {
    name: `prefix tuning P=${P} (MLP h=${hidden})`,
    params,
    apply(base, eff) {
      eff.params.flat.set(base.params.flat);
    },
    backward() {},
    hooks(B, T, dparams) {
      const { prefix, hid } = prefixMlpForward(model, m);
      if (!dparams) return inferenceHooks(model, prefix, P, B, T);
      const dprefix = new Ctor(prefix.length);
      const dm = prefixMlpView(model, dparams, P, hidden);
      return prefixTrainHooks(model, prefix, P, B, T, dprefix, () =>
        prefixMlpBackward(model, m, hid, dprefix, dm),
      );
    },
  };
}

// What a trained prefix-tuning θ leaves for inference: the prefix alone, [L, 2, P, C].
export function prefixOf(model: GPT, peft: Peft, P: number, hidden: number): Floats {
  return prefixMlpForward(model, prefixMlpView(model, peft.params, P, hidden)).prefix;
}
