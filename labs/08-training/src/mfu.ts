// Model FLOPs utilization (Chowdhery et al. 2022, "PaLM", §4 and Appendix B): the
// FLOPs the model needs per second at the throughput we observe, over the peak the
// hardware could do:
//
//   MFU = (tokens/s · model FLOPs per token) / peak FLOP/s
//
// "Model FLOPs" count only what the model requires, not what the implementation
// happens to do: recomputed activations, padding or a wasteful kernel do not raise
// it. (Counting the recomputed forward as well gives the hardware FLOPs utilization,
// HFU, which PaLM also reports.) Per token PaLM counts
//
//   6N + 12·L·H·Q·T
//
// with N parameters, L layers, H heads of size Q and sequence length T. The 12·L·H·Q·T
// is attention's Q·Kᵀ and A·V, 2·T·H·Q FLOPs each per token per layer forward, times
// 3 for the backward, over all T keys: twice the 6·n_layer·n_ctx·d_model of flops.ts,
// since Kaplan's Table 1 has a single 2·n_layer·n_ctx·d_attn line for attention, the
// size of one of the two products. Different papers, different bookkeeping: say which
// one a number uses.
//
// The peak is the vendor's matmul figure (PaLM: TPU v4; nanoGPT's estimate_mfu: an
// A100's 312 TFLOP/s in bf16). Our machine has no datasheet, so bench/mfu.bench.ts
// measures one: ONNX Runtime's MatMul on one thread, the best matmul this machine runs.

export interface PalmShape {
  N: number;
  L: number; // layers
  H: number; // attention heads
  Q: number; // head size
  T: number; // sequence length
}

// PaLM's model FLOPs per training token: 6N + 12·L·H·Q·T.
export function modelFlopsPerToken(x: PalmShape): number {
  return 6 * x.N + 12 * x.L * x.H * x.Q * x.T;
}

// A matmul [M, K] · [K, N]: M·N dot products of length K, a multiply and an add per term.
export function matmulFlops(M: number, K: number, N: number): number {
  return 2 * M * K * N;
}

// FLOP/s the model needs at this throughput (not what the code executes).
export function achievedFlopsPerSecond(tokensPerSecond: number, flopsPerToken: number): number {
  return tokensPerSecond * flopsPerToken;
}

// MFU as a fraction of `peakFlopsPerSecond` (multiply by 100 for a percentage).
export function mfu(tokensPerSecond: number, flopsPerToken: number, peakFlopsPerSecond: number): number {
  if (!(peakFlopsPerSecond > 0))
    throw new Error(`mfu: the peak must be > 0 FLOP/s, got ${peakFlopsPerSecond}`);
  return achievedFlopsPerSecond(tokensPerSecond, flopsPerToken) / peakFlopsPerSecond;
}
