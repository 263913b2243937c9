// Structured pruning: remove whole attention heads and whole MLP channels, so the
// matrices really get smaller and a plain dense matmul gets faster, no sparse
// kernel needed (LLM-Pruner, Ma et al. 2023, arXiv 2305.11627; SliceGPT, Ashkboos
// et al. 2024, arXiv 2401.15024, deletes rows and columns after a rotation).
//
// What a unit is, in our Conv1D layout (C = n_embd, hs = head size, F = 4C):
//   head h:      columns h·hs … (h+1)·hs of each of q, k, v in c_attn [C, 3C]
//                (and their biases), and the same rows of attn.c_proj [C, C]
//   channel j:   column j of mlp.c_fc [C, F] (and its bias), row j of mlp.c_proj [F, C]
// Removing them leaves a model with fewer heads and a narrower MLP; the
// residual width C, the LayerNorms and the embeddings are untouched.
//
// Which units: the ones whose contribution to the residual stream is smallest
// on calibration data. A unit adds A_u · W_u to the block's output (A_u its
// activations [T, d], W_u its rows of c_proj [d, C]); we remove the units with
// the smallest ‖(A_u − c_u) · W_u‖_F. With bias compensation c_u is the unit's
// mean activation, and c_u · W_u is folded into c_proj's bias, so only the
// fluctuation around the mean is lost (as FLAP, An et al. 2023, does); without
// it c_u = 0 and the whole contribution goes.

import { forwardPass, type GPT, type GPTConfig, type Linear, type Norm } from "@llm-labs/model";
import { UserError } from "@llm-labs/kit";

export interface SlimBlock {
  nHead: number; // heads kept
  ffn: number; // MLP channels kept
  ln_1: Norm;
  c_attn: Linear; // [C, 3·nHead·hs]
  attn_c_proj: Linear; // [nHead·hs, C]
  ln_2: Norm;
  c_fc: Linear; // [C, ffn]
  mlp_c_proj: Linear; // [ffn, C]
}

export interface SlimGPT {
  config: GPTConfig; // the dense model's; each block's own widths are its matrices'
  C: number;
  hs: number;
  V: number;
  eps: number;
  nPositions: number;
  wte: Float32Array;
  wpe: Float32Array;
  blocks: SlimBlock[];
  ln_f: Norm;
}

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

// Keep heads `keep` (ascending) of a block's attention.
export function sliceHeads(
  c_attn: Linear,
  attn_c_proj: Linear,
  keep: number[],
  C: number,
  hs: number,
): { c_attn: Linear; attn_c_proj: Linear } {
  const Ck = keep.length * hs;
  const w = new Float32Array(C * 3 * Ck);
  const b = new Float32Array(3 * Ck);
  const proj = new Float32Array(Ck * C);
  // #region exercise slice-structures
  keep.forEach((h, i) => {
    for (let part = 0; part < 3; part++)
      for (let d = 0; d < hs; d++) {
        const from = part * C + h * hs + d;
        const to = part * Ck + i * hs + d;
        for (let r = 0; r < C; r++) w[r * 3 * Ck + to] = c_attn.weight[r * 3 * C + from];
        b[to] = c_attn.bias[from];
      }
    proj.set(attn_c_proj.weight.subarray(h * hs * C, (h + 1) * hs * C), i * hs * C);
  });
  // #endregion
  return { c_attn: { weight: w, bias: b }, attn_c_proj: { weight: proj, bias: f32(attn_c_proj.bias) } };
}

// Keep MLP channels `keep` (ascending) of c_fc [C, F] and mlp.c_proj [F, C].
export function sliceChannels(
  c_fc: Linear,
  mlp_c_proj: Linear,
  keep: number[],
  C: number,
  F: number,
): { c_fc: Linear; mlp_c_proj: Linear } {
  const k = keep.length;
  const w = new Float32Array(C * k);
  const b = new Float32Array(k);
  const proj = new Float32Array(k * C);
  // #region exercise slice-structures
  keep.forEach((j, i) => {
    for (let r = 0; r < C; r++) w[r * k + i] = c_fc.weight[r * F + j];
    b[i] = c_fc.bias[j];
    proj.set(mlp_c_proj.weight.subarray(j * C, (j + 1) * C), i * C);
  });
  // #endregion
  return { c_fc: { weight: w, bias: b }, mlp_c_proj: { weight: proj, bias: f32(mlp_c_proj.bias) } };
}

// The specimen as a SlimGPT with every unit kept.
export function toSlim(model: GPT): SlimGPT {
  const c = model.config;
  const p = model.params;
  const C = c.n_embd;
  const lin = (l: Linear): Linear => ({ weight: f32(l.weight), bias: f32(l.bias) });
  const norm = (n: Norm): Norm => ({ weight: f32(n.weight), bias: f32(n.bias) });
  return {
    config: c,
    C,
    hs: C / c.n_head,
    V: c.vocab_size,
    eps: c.layer_norm_epsilon,
    nPositions: c.n_positions,
    wte: f32(p.wte),
    wpe: f32(p.wpe),
    ln_f: norm(p.ln_f),
    blocks: p.h.map((b) => ({
      nHead: c.n_head,
      ffn: 4 * C,
      ln_1: norm(b.ln_1),
      c_attn: lin(b.c_attn),
      attn_c_proj: lin(b.attn_c_proj),
      ln_2: norm(b.ln_2),
      c_fc: lin(b.c_fc),
      mlp_c_proj: lin(b.mlp_c_proj),
    })),
  };
}

export function slimParamCount(m: SlimGPT): number {
  let n = m.wte.length + m.wpe.length + m.ln_f.weight.length + m.ln_f.bias.length;
  for (const b of m.blocks)
    for (const part of [b.ln_1, b.c_attn, b.attn_c_proj, b.ln_2, b.c_fc, b.mlp_c_proj])
      n += part.weight.length + part.bias.length;
  return n;
}

// Logits [T, V] for one sequence: the specimen's forward pass (@llm-labs/model's
// forwardPass), which reads each block's head count and MLP width from its weights.
export function slimForward(m: SlimGPT, ids: ArrayLike<number>): Float32Array {
  const T = ids.length;
  if (T < 1 || T > m.nPositions)
    throw new Error(`slimForward: sequence length must be 1 … ${m.nPositions}, got ${T}`);
  const params = { wte: m.wte, wpe: m.wpe, h: m.blocks, ln_f: m.ln_f };
  return forwardPass({ config: m.config, params }, ids, 1, T) as Float32Array;
}

// Mean cross-entropy (nats/token) on windows of n_positions, as packages/model's heldoutLoss.
export function slimLoss(m: SlimGPT, tokens: ArrayLike<number>, maxTokens = Infinity): number {
  const V = m.V;
  const n = Math.min(tokens.length, maxTokens);
  let sum = 0;
  let count = 0;
  for (let start = 0; start + 1 < n; start += m.nPositions) {
    const T = Math.min(m.nPositions, n - 1 - start);
    const logits = slimForward(
      m,
      Array.from({ length: T }, (_, i) => tokens[start + i]),
    );
    for (let t = 0; t < T; t++) {
      const o = t * V;
      let max = -Infinity;
      let z = 0;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]);
      for (let v = 0; v < V; v++) z += Math.exp(logits[o + v] - max);
      sum += max + Math.log(z) - logits[o + tokens[start + t + 1]];
      count++;
    }
  }
  return sum / count;
}

// ‖(A_u − c_u) · W_u‖_F for each unit u of width d: A [T, U·d] (unit u = columns
// u·d … u·d+d−1), W [U·d, C]. Also returns the means c_u (zeros without compensation).
export function unitContributions(
  a: ArrayLike<number>,
  T: number,
  U: number,
  d: number,
  w: ArrayLike<number>,
  C: number,
  compensate: boolean,
): { score: Float64Array; mean: Float64Array } {
  const D = U * d;
  const mean = new Float64Array(D);
  const score = new Float64Array(U);
  if (compensate) {
    for (let t = 0; t < T; t++) for (let i = 0; i < D; i++) mean[i] += a[t * D + i] / T;
  }
  const row = new Float64Array(C);
  for (let u = 0; u < U; u++)
    for (let t = 0; t < T; t++) {
      row.fill(0);
      for (let i = u * d; i < (u + 1) * d; i++) {
        const v = a[t * D + i] - mean[i];
        for (let c = 0; c < C; c++) row[c] += v * w[i * C + c];
      }
      for (let c = 0; c < C; c++) score[u] += row[c] ** 2;
    }
  for (let u = 0; u < U; u++) score[u] = Math.sqrt(score[u]);
  return { score, mean };
}

// The `drop` lowest-scoring units, and the kept ones in ascending order.
export function keepHighest(score: ArrayLike<number>, drop: number): number[] {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[a] - score[b] || a - b);
  return idx.slice(drop).sort((a, b) => a - b);
}

export interface StructuredOptions {
  headsRemoved: number; // per layer
  channelsRemoved: number; // MLP channels per layer
  compensate: boolean;
}

// calib: per layer, the inputs of attn.c_proj (heads concatenated) and mlp.c_proj
// (GELU outputs) on calibration text, T rows each (@llm-labs/model's calibrationInputs).
export function pruneStructured(
  model: GPT,
  calib: Map<string, { x: Float32Array; T: number; K: number }>,
  opts: StructuredOptions,
): SlimGPT {
  const c = model.config;
  const C = c.n_embd;
  const H = c.n_head;
  const hs = C / H;
  const Fw = 4 * C;
  if (!Number.isInteger(opts.headsRemoved) || opts.headsRemoved < 0 || opts.headsRemoved >= H)
    throw new UserError(
      `pruneStructured: headsRemoved must be a whole number in [0, ${H - 1}], got ${opts.headsRemoved}`,
    );
  if (!Number.isInteger(opts.channelsRemoved) || opts.channelsRemoved < 0 || opts.channelsRemoved >= Fw)
    throw new UserError(
      `pruneStructured: channelsRemoved must be a whole number in [0, ${Fw - 1}], got ${opts.channelsRemoved}`,
    );
  const slim = toSlim(model);
  slim.blocks.forEach((b, l) => {
    const att = calib.get(`${l}.attn_c_proj`);
    const mlp = calib.get(`${l}.mlp_c_proj`);
    if (!att || !mlp || att.T < 1)
      throw new UserError(`pruneStructured: the calibration set has no activations for layer ${l}`);
    const heads = unitContributions(att.x, att.T, H, hs, b.attn_c_proj.weight, C, opts.compensate);
    const keptHeads = keepHighest(heads.score, opts.headsRemoved);
    const ch = unitContributions(mlp.x, mlp.T, Fw, 1, b.mlp_c_proj.weight, C, opts.compensate);
    const keptCh = keepHighest(ch.score, opts.channelsRemoved);
    // fold the removed units' mean output into c_proj's bias
    const attBias = Float64Array.from(b.attn_c_proj.bias);
    const mlpBias = Float64Array.from(b.mlp_c_proj.bias);
    for (let h = 0; h < H; h++)
      if (!keptHeads.includes(h))
        for (let i = h * hs; i < (h + 1) * hs; i++)
          for (let o = 0; o < C; o++) attBias[o] += heads.mean[i] * b.attn_c_proj.weight[i * C + o];
    const keptSet = new Set(keptCh);
    for (let j = 0; j < Fw; j++)
      if (!keptSet.has(j))
        for (let o = 0; o < C; o++) mlpBias[o] += ch.mean[j] * b.mlp_c_proj.weight[j * C + o];
    const a = sliceHeads(b.c_attn, b.attn_c_proj, keptHeads, C, hs);
    const m = sliceChannels(b.c_fc, b.mlp_c_proj, keptCh, C, Fw);
    a.attn_c_proj.bias = Float32Array.from(attBias);
    m.mlp_c_proj.bias = Float32Array.from(mlpBias);
    Object.assign(b, { nHead: keptHeads.length, ffn: keptCh.length, ...a, ...m });
  });
  return slim;
}
