// Where a training run's memory goes: the model states (weights, gradients,
// optimizer states) and the activations kept for the backward pass.
//
// Model states, in bytes per parameter (Rajbhandari et al. 2020, "ZeRO", §3.1):
//
//   fp32 training with Adam       4 (weights) + 4 (gradients) + 8 (Adam m, v)          = 16
//   mixed precision with Adam     2 (fp16 weights) + 2 (fp16 gradients)
//                                 + 12 (fp32 master weights, m, v; the paper's K = 12)  = 16
//
// ZeRO writes the mixed-precision total for Ψ parameters as 2Ψ + 2Ψ + KΨ. Mixed
// precision saves no memory on the model states: it saves activation memory and
// makes the matmuls fast. The fp32 copy moves into the optimizer, it does not go away.
//
// Transformer Math 101 (EleutherAI, Anthony, Biderman & Schoelkopf 2023) counts the
// same way: mixed-precision weights 2 bytes/param, "vanilla AdamW" 12 bytes/param
// (fp32 copy 4, momentum 4, variance 4), an 8-bit optimizer such as bitsandbytes'
// 6 (fp32 copy 4, momentum 1, variance 1), SGD with momentum 8 (fp32 copy 4,
// momentum 4), and gradients in the model's dtype (2 bytes in fp16).

// Bytes per parameter of each model state.
export interface StateBytes {
  weights: number; // the copy the forward pass reads
  grads: number;
  optimizer: number; // K: everything the optimizer keeps (fp32 master copy included)
}

export const FP32_ADAM: StateBytes = { weights: 4, grads: 4, optimizer: 8 };
export const MIXED_ADAM: StateBytes = { weights: 2, grads: 2, optimizer: 12 };
export const MIXED_ADAM_8BIT: StateBytes = { weights: 2, grads: 2, optimizer: 6 };
export const MIXED_SGD_MOMENTUM: StateBytes = { weights: 2, grads: 2, optimizer: 8 };

export function bytesPerParam(s: StateBytes): number {
  return s.weights + s.grads + s.optimizer;
}

// ZeRO-DP (§5): N_d data-parallel devices each hold a full replica in plain data
// parallelism (stage 0). ZeRO partitions the states instead, so each device keeps 1/N_d:
//
//   stage 0, baseline   (2 + 2 + K)·Ψ
//   stage 1, P_os       2Ψ + 2Ψ + K·Ψ/N_d          optimizer states partitioned
//   stage 2, P_os+g     2Ψ + (2 + K)·Ψ/N_d         … and gradients
//   stage 3, P_os+g+p   (2 + 2 + K)·Ψ/N_d          … and the weights themselves
//
// (written for mixed precision; pass FP32_ADAM for 4 + 4 + 8). As N_d grows, stage 1
// tends to 4Ψ (4× less than 16Ψ), stage 2 to 2Ψ (8× less), stage 3 to 0: per-device
// memory falls linearly with N_d, at the price of gathering weights before every layer.
export type ZeroStage = 0 | 1 | 2 | 3;

export interface DeviceBytes {
  weights: number;
  grads: number;
  optimizer: number;
  total: number;
}

export function zeroMemory(
  psi: number,
  Nd: number,
  stage: ZeroStage,
  bytes: StateBytes = MIXED_ADAM,
): DeviceBytes {
  if (!(psi >= 0) || !Number.isInteger(Nd) || Nd < 1)
    throw new Error(
      `zeroMemory: need Ψ ≥ 0 and a whole number of devices N_d ≥ 1, got Ψ = ${psi}, N_d = ${Nd}`,
    );
  if (![0, 1, 2, 3].includes(stage)) throw new Error(`zeroMemory: stage must be 0, 1, 2 or 3, got ${stage}`);
  // #region exercise zero-memory
  const share = (partitioned: boolean) => (partitioned ? psi / Nd : psi);
  const optimizer = bytes.optimizer * share(stage >= 1);
  const grads = bytes.grads * share(stage >= 2);
  const weights = bytes.weights * share(stage >= 3);
  return { weights, grads, optimizer, total: weights + grads + optimizer };
  // #endregion
}

// Activation memory of one transformer layer (Korthikanti et al. 2022, "Reducing
// Activation Recomputation in Large Transformer Models", §4.1, eq. 1), in bytes, for
// 16-bit activations and 1-byte dropout masks; s = sequence length, b = micro-batch,
// h = hidden size, a = attention heads:
//
//   attention   11·sbh + 5·a·s²·b    (QKV input 2sbh, Q and K 4sbh, softmax 2as²b,
//                                     its dropout mask as²b and output 2as²b, V 2sbh,
//                                     output projection input 2sbh, dropout mask sbh)
//   MLP         19·sbh               (input 2sbh, GELU input 8sbh, GELU output 8sbh, mask sbh)
//   2 LayerNorms 4·sbh
//   total       sbh·(34 + 5·a·s/h)
//
// The 5·a·s/h term is the attention scores, quadratic in s; it passes 34 once s > 6.8·h/a.
// With t-way tensor parallelism (their eq. 2) everything but 10·sbh is split t ways:
// sbh·(10 + 24/t + 5·a·s/(h·t)). Recomputation trades FLOPs for memory:
//
//   selective (§5)  drop the as²b terms, recompute softmax/dropout in backward: sbh·(10 + 24/t)
//   full            keep only each layer's input, recompute the whole layer: 2·sbh
export type Recompute = "none" | "selective" | "full";

export interface ActivationShape {
  s: number; // sequence length
  b: number; // micro-batch size
  h: number; // hidden size
  a: number; // attention heads
  t?: number; // tensor-parallel degree, 1 by default
}

export function activationBytesPerLayer(x: ActivationShape, recompute: Recompute = "none"): number {
  const { s, b, h, a } = x;
  const t = x.t ?? 1;
  const sbh = s * b * h;
  if (recompute === "full") return 2 * sbh;
  if (recompute === "selective") return sbh * (10 + 24 / t);
  return sbh * (10 + 24 / t + (5 * a * s) / (h * t));
}

// Model states plus the activations of L layers: the "will it fit" sum of
// Transformer Math 101 (model + optimizer + gradients + activations), per device.
export function trainingMemory(
  psi: number,
  layers: number,
  act: ActivationShape,
  opts: { bytes?: StateBytes; Nd?: number; stage?: ZeroStage; recompute?: Recompute } = {},
): DeviceBytes & { activations: number } {
  const states = zeroMemory(psi, opts.Nd ?? 1, opts.stage ?? 0, opts.bytes ?? MIXED_ADAM);
  const activations = layers * activationBytesPerLayer(act, opts.recompute ?? "none");
  return { ...states, activations, total: states.total + activations };
}
