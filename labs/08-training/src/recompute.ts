// Activation recomputation (gradient checkpointing): trade FLOPs for memory.
//
// The backward pass of block l reads what its forward computed (LayerNorm outputs and
// statistics, q k v, the attention probabilities, the GELU's input and output, …), so
// plain training keeps every block's intermediates from the forward until the backward
// reaches that block: memory grows with n_layer × (what one block keeps). Chen et al. 2016
// ("Training Deep Nets with Sublinear Memory Cost") keep only some tensors, the
// checkpoints, and compute the rest again in the backward pass, right before it is needed.
// Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer
// Models") name the two choices Megatron-LM makes per transformer layer:
//
//   none       keep everything the backward reads                 s·b·h·(34 + 5·a·s/h) bytes
//   selective  keep everything but the attention's [b, a, s, s]   s·b·h·34          (§5)
//              tensors (softmax output, its dropout mask and output), and recompute
//              them from Q and K in the backward: they are most of the memory and
//              little of the FLOPs (QKᵀ and a softmax, 4·b·s²·h of the layer's
//              24·b·s·h² + 4·b·s²·h forward FLOPs)
//   full       keep only each layer's input (the residual stream), 2·s·b·h         (§4)
//              and run the layer's whole forward again before its backward:
//              one more forward pass, ≈ 2 of the 6 FLOPs per parameter per token,
//              so about 33% more compute for a step
//
// (16-bit activations, 1-byte dropout masks; s = T, b = B, h = n_embd, a = n_head.)
//
// Ours, in float32 and without dropout, per layer (N = B·T rows of C = h features):
//
//   the block's input x                        4·sbh    (ln_1's input: the checkpoint in "full")
//   ln_1 out 4sbh, q k v 12sbh                 16·sbh
//   attention probabilities P [B, H, T, T]      4·a·s²·b   (no dropout: no mask, no second copy)
//   heads' output (c_proj's input)             4·sbh
//   res2 (ln_2's input), ln_2 out              8·sbh
//   c_fc out (GELU in), GELU out              32·sbh     (4h channels each)
//   two LayerNorms' mean and rstd              16·sb
//   ------------------------------------------------------------------------------
//   none        sbh·(64 + 4·a·s/h) + 16·sb
//   selective   sbh·64 + 16·sb
//   full        sbh·4
//
// 64 = 2 × 32: Korthikanti's 34 minus the two 1-byte dropout masks (2·sbh), in 4-byte
// floats; 4·a·s²·b = their 5·a·s²·b minus the dropout mask (a·s²·b) and the dropout's
// output (2·a·s²·b), the softmax output doubled to 4 bytes. Their count leaves out the
// LayerNorm statistics (16·sb here: 1/C of the rest) and the head after the last layer.
//
// What this file measures. An ActivationMeter allocates every activation tensor, counts its
// bytes while it is alive and records the most alive at once (the peak) and when. Counted:
// every tensor the forward writes and a backward reads (the residual stream x_0 … x_L, each
// block's LayerActs but the three below, the head's ln_f output, statistics and logits), and
// every buffer recomputation writes into. NOT counted: weights, gradients, the backward's
// gradient buffers (dx, dlnf, BlockScratch), token ids, and what no backward reads: a
// block's attproj and fcproj (the residual adds' second inputs) and, when a block is
// recomputed, its res3 (the next block's input, already kept), which go to one reused
// scratch; nor the temporaries inside gptBlockForward (copies of q, k, v and a scratch KV
// store). A tensor lives from the forward that writes it until the last backward step
// that reads it, as PyTorch's autograd frees saved tensors. The block code is the
// specimen's own (packages/model: gptBlockForward, gptBlockBackward): recomputation runs
// the same forward on the same input, so every mode's gradients are lossAndGrads's, bit
// for bit.

import {
  allocBlockScratch,
  crossEntropyBackward,
  encoderBackward,
  encoderForward,
  type Floats,
  type GPT,
  gptAttentionProbs,
  gptBlockBackward,
  gptBlockForward,
  gptHeadBackward,
  gptHeadForward,
  type HeadActs,
  headDim,
  type LayerActs,
  type Params,
} from "@llm-labs/model";
import type { Recompute } from "./memory.ts";

// Activation bytes alive, by owner ("block 2", "head", "recompute"), and the peak.
export class ActivationMeter {
  liveBytes = 0;
  peakBytes = 0;
  peakAt = "";
  phase = ""; // what the step is doing, recorded with the peak
  private owners = new Map<Floats, string>();
  constructor(private readonly dtype: "float32" | "float64") {}

  alloc(n: number, owner: string): Floats {
    const x = this.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
    this.owners.set(x, owner);
    this.liveBytes += x.byteLength;
    if (this.liveBytes > this.peakBytes) {
      this.peakBytes = this.liveBytes;
      this.peakAt = this.phase;
    }
    return x;
  }

  free(...xs: Floats[]): void {
    for (const x of xs) {
      if (!this.owners.delete(x)) throw new Error("ActivationMeter: freeing a tensor that is not alive");
      this.liveBytes -= x.byteLength;
    }
  }

  // Bytes alive now that belong to `owner`.
  bytesOf(owner: string): number {
    let n = 0;
    for (const [x, o] of this.owners) if (o === owner) n += x.byteLength;
    return n;
  }
}

// The tensors of a block a backward reads (LayerActs but attproj, fcproj and res3).
const SAVED = [
  "ln1",
  "ln1Mean",
  "ln1Rstd",
  "qkv",
  "att",
  "atty",
  "res2",
  "ln2",
  "ln2Mean",
  "ln2Rstd",
  "fch",
  "fchGelu",
] as const;

// Block l's LayerActs: the saved tensors from the meter (P [B, H, T, T] only when keepAtt),
// the three no backward reads from `scratch`, and res3 = `out`.
function blockActs(
  meter: ActivationMeter,
  model: GPT,
  B: number,
  T: number,
  keepAtt: boolean,
  owner: string,
  out: Floats,
  scratch: { attproj: Floats; fcproj: Floats },
): LayerActs {
  const { n_embd: C, n_head: H } = model.config;
  const N = B * T;
  const a = (n: number) => meter.alloc(n, owner);
  return {
    ln1: a(N * C),
    ln1Mean: a(N),
    ln1Rstd: a(N),
    qkv: a(N * 3 * C),
    att: keepAtt ? a(B * H * T * T) : meter.alloc(0, owner),
    atty: a(N * C),
    attproj: scratch.attproj,
    res2: a(N * C),
    ln2: a(N * C),
    ln2Mean: a(N),
    ln2Rstd: a(N),
    fch: a(N * 4 * C),
    fchGelu: a(N * 4 * C),
    fcproj: scratch.fcproj,
    res3: out,
  };
}

function freeBlock(meter: ActivationMeter, L: LayerActs): void {
  meter.free(...SAVED.map((k) => L[k]));
}

export interface RecomputeResult {
  loss: number;
  peakBytes: number; // the most activation bytes alive at once, over the whole step
  peakAt: string; // when: "forward, LM head", "backward, block 3", …
  keptPerBlock: number[]; // bytes each block keeps from the forward for its backward, input included
  keptHead: number; // bytes the head keeps: the last block's output, ln_f's output and statistics, logits
}

// Loss and gradients of one batch (ids, targets [B, T] row-major; a target of -1 has no
// loss), like lossAndGrads: `grads` is ADDED to. `mode` says what the forward keeps.
export function lossAndGradsRecompute(
  model: GPT,
  ids: ArrayLike<number>,
  targets: ArrayLike<number>,
  B: number,
  T: number,
  grads: Params,
  mode: Recompute,
): RecomputeResult {
  const c = model.config;
  const { n_layer: nL, n_embd: C, n_head: H, vocab_size: V } = c;
  const N = B * T;
  if (!["none", "selective", "full"].includes(mode))
    throw new Error(`lossAndGradsRecompute: mode must be "none", "selective" or "full", got ${String(mode)}`);
  if (ids.length !== N || targets.length !== N)
    throw new Error(
      `lossAndGradsRecompute: expected B·T = ${N} ids and targets, got ${ids.length} and ${targets.length}`,
    );
  if (T > c.n_positions)
    throw new Error(`lossAndGradsRecompute: T = ${T} is longer than n_positions (${c.n_positions})`);
  const dtype = model.params.flat instanceof Float64Array ? "float64" : "float32";
  const meter = new ActivationMeter(dtype);
  const F = (n: number): Floats => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const scratch = { attproj: F(N * C), fcproj: F(N * C), res3: F(N * C) }; // not counted (see above)
  const owner = (l: number) => (l < nL ? `block ${l}` : "head"); // x_l is block l's input

  // Forward. xs[l] is block l's input; xs[nL] the last block's output, ln_f's input.
  meter.phase = "forward, embeddings";
  const xs: Floats[] = [meter.alloc(N * C, owner(0))];
  encoderForward(xs[0], ids, model.params.wte, model.params.wpe, B, T, C, V);
  const kept: LayerActs[] = [];
  for (let l = 0; l < nL; l++) {
    meter.phase = `forward, block ${l}`;
    xs.push(meter.alloc(N * C, owner(l + 1)));
    // "full" runs the block into buffers it drops at once: only its output stays
    const who = mode === "full" ? "in flight" : owner(l);
    const acts = blockActs(meter, model, B, T, mode === "none", who, xs[l + 1], scratch);
    gptBlockForward(model, l, xs[l], acts, B, T);
    if (mode === "full") freeBlock(meter, acts);
    else kept.push(acts);
  }
  meter.phase = "forward, LM head";
  const head: HeadActs = {
    lnf: meter.alloc(N * C, "head"),
    lnfMean: meter.alloc(N, "head"),
    lnfRstd: meter.alloc(N, "head"),
    logits: meter.alloc(N * V, "head"),
  };
  gptHeadForward(model, xs[nL], head, N);
  const keptPerBlock = Array.from({ length: nL }, (_, l) => meter.bytesOf(owner(l)));
  const keptHead = meter.bytesOf("head");

  // Backward: the loss, the head, then the blocks from the last to the first.
  meter.phase = "backward, LM head";
  const loss = crossEntropyBackward(head.logits, targets, N, V); // head.logits is now dlogits
  const dx = F(N * C); // dL/d(x_l), flowing down the residual stream (a gradient: not counted)
  gptHeadBackward(model, grads, dx, head.logits, xs[nL], head, N);
  meter.free(head.lnf, head.lnfMean, head.lnfRstd, head.logits, xs[nL]);
  const dScratch = allocBlockScratch(model, B, T);
  const d = headDim(c);
  // #region exercise checkpointed-backward
  for (let l = nL - 1; l >= 0; l--) {
    meter.phase = `backward, block ${l}`;
    let L: LayerActs;
    if (mode === "full") {
      // recompute the whole block from its checkpoint, probabilities included
      L = blockActs(meter, model, B, T, true, "recompute", scratch.res3, scratch);
      gptBlockForward(model, l, xs[l], L, B, T);
    } else {
      L = kept[l];
      if (mode === "selective") {
        // recompute only P = softmax(q·kᵀ/√d) from the kept q and k
        meter.free(L.att);
        L.att = meter.alloc(B * H * T * T, "recompute");
        gptAttentionProbs(L.att, L.qkv, B, T, H, d);
      }
    }
    gptBlockBackward(model, grads, l, dx, xs[l], L, B, T, dScratch);
    freeBlock(meter, L);
    meter.free(xs[l]); // block l - 1 reads its own input, not its output
  }
  // #endregion
  encoderBackward(grads.wte, grads.wpe, dx, ids, B, T, C);
  return { loss, peakBytes: meter.peakBytes, peakAt: meter.peakAt, keptPerBlock, keptHead };
}

// Our per-layer formula (above), in bytes: what one block keeps from the forward, input included.
export function ourActivationBytesPerLayer(
  x: { s: number; b: number; h: number; a: number },
  mode: Recompute,
): number {
  const { s, b, h, a } = x;
  const sbh = s * b * h;
  if (mode === "full") return 4 * sbh;
  if (mode === "selective") return 64 * sbh + 16 * s * b;
  return sbh * (64 + (4 * a * s) / h) + 16 * s * b;
}
