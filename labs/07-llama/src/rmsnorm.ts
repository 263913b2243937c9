// RMSNorm (Zhang & Sennrich 2019, "Root Mean Square Layer Normalization", eq. 4).
//
// GPT-2's LayerNorm does two things to each token's vector x of C features: it
// re-centres (subtracts the mean μ) and re-scales (divides by the standard deviation).
// Zhang & Sennrich argue that the re-scaling is what keeps training stable, so they
// drop the re-centring and the bias β:
//
//   RMS(x) = sqrt( (1/C) Σ_i x_i²  + ε )
//   y_i    = x_i / RMS(x) · γ_i
//
// One pass over the row instead of two, no mean, no β: cheaper, and it trains as well.
// Every Llama-family model (LLaMA 1–3, Qwen, Mistral, Baichuan) uses it, before
// attention, before the MLP, and once more before the LM head.
//
// ε sits inside the square root, where Hugging Face's LlamaRMSNorm and ONNX's
// RMSNormalization (opset 23) put it; the specimen uses ε = 1e-5 (rms_norm_eps).

// x [rows, C], gamma [C] → y [rows, C]
export function rmsNorm(
  x: Float32Array,
  gamma: Float32Array,
  rows: number,
  C: number,
  eps: number,
): Float32Array {
  if (x.length !== rows * C)
    throw new Error(`rmsNorm: x has ${x.length} values, expected rows·C = ${rows}·${C}`);
  if (gamma.length !== C) throw new Error(`rmsNorm: gamma has ${gamma.length} values, expected C = ${C}`);
  const y = new Float32Array(rows * C);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * C, (r + 1) * C);
    // #region exercise rmsnorm
    let meanSquare = 0;
    for (const xi of row) meanSquare += xi * xi;
    meanSquare /= C;
    const rms = Math.sqrt(meanSquare + eps);
    for (let i = 0; i < C; i++) y[r * C + i] = (row[i] / rms) * gamma[i];
    // #endregion
  }
  return y;
}
