// How many floating-point operations a training run costs.
//
// A matmul of [M, K] by [K, N] is 2·M·N·K FLOPs (a multiply and an add per term).
// A weight matrix of n parameters touches each token once in the forward pass:
// 2 FLOPs per parameter per token. The backward pass computes two products of the
// same size, the gradient for the activations and the gradient for the weights:
// 4 more. Hence Kaplan et al. 2020 ("Scaling Laws for Neural Language Models",
// §2.1, Table 1) count, per token,
//
//   C_forward ≈ 2N + 2·n_layer·n_ctx·d_attn          C_train ≈ 3·C_forward
//
// and over D training tokens, dropping the context term,
//
//   C ≈ 6·N·D                                        (Kaplan §2.1; Hoffmann et al. 2022)
//
// The second term is attention itself, Q·Kᵀ against n_ctx keys: FLOPs with no
// parameters. It matters when n_ctx is large against d_model: the ratio of the two
// terms is n_layer·n_ctx·d_model / N ≈ n_ctx / (12·d_model) for a GPT
// (N ≈ 12·n_layer·d_model²). GPT-3: 2048 / (12·12288) ≈ 1.4%; our target:
// 128 / (12·128) ≈ 8% (7% with its real N, embeddings included). Kaplan's N leaves out the embeddings; here N is what the
// caller counts (our specimens tie the LM head to the embedding, so it is a matmul
// every token and belongs in N; the position table is a lookup and costs nothing).
//
// Everything else (LayerNorm, GELU, softmax, the optimizer) is O(N) or O(n_ctx) per
// token rather than O(N·n_ctx) and is left out, as all these papers do.

export interface FlopsShape {
  N: number; // parameters that act as matmul weights
  nLayer: number;
  nCtx: number; // the context each token attends over
  dModel: number; // d_attn = d_model for GPT-2 and Llama
}

// C = 6·N·D, the rule of thumb.
export function sixND(N: number, D: number): number {
  return 6 * N * D;
}

// Kaplan's forward FLOPs per token: 2N + 2·n_layer·n_ctx·d_model.
export function forwardFlopsPerToken(x: FlopsShape): number {
  return 2 * x.N + 2 * x.nLayer * x.nCtx * x.dModel;
}

// Training FLOPs over D tokens: forward + backward = 3 × forward, for every token.
//   C = 6·N·D + 6·n_layer·n_ctx·d_model·D
export function trainingFlops(x: FlopsShape, D: number): number {
  // #region exercise training-flops
  const matmuls = 6 * x.N; // 2 forward + 4 backward per weight
  const attention = 6 * x.nLayer * x.nCtx * x.dModel; // 3 × Kaplan's 2·n_layer·n_ctx·d_attn
  return (matmuls + attention) * D;
  // #endregion
}

// Compute is quoted in petaFLOP/s-days too (Brown et al. 2020, Table D.1): 1e15 FLOP/s for a day.
export const PF_DAY = 1e15 * 24 * 3600;
