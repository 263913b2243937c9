// npm run lab quantization
//
// The lab's story in one run: our quantizer equals ONNX Runtime's bit for bit,
// finer groups leave less error on the target's real weights, the int8 matmul
// equals MatMulInteger, our packed INT4 tensors run in MatMulNBits unchanged,
// and the whole specimen at INT8, INT4 (RTN and GPTQ) and INT3: perplexity and bytes.

import { fileURLToPath } from "node:url";
import { checkpointDir, forward, heldoutLoss, loadCheckpoint } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { barChart, sparkline, svgBarChart, table, writeSvg } from "@llm-labs/kit";
import { INT8, UINT8, uintN } from "./quantize.ts";
import { dequantizeTensor, quantizeTensor, quantizeWith, roundTripError, type Granularity } from "./granularity.ts";
import { int8Matmul, quantizeColumns, quantizeRows } from "./int8-linear.ts";
import { dequantizeInt4, int4Bytes, quantizeRtn, toMatMulNBits } from "./int4.ts";
import { gptqQuantize, outputError } from "./gptq.ts";
import { calibrationHessians, calibrationInputs } from "./calibration.ts";
import { linearParamCount, linearShape, LINEARS, mapLinears } from "./quantized-model.ts";
import { heldoutTokens, trainTokens as calibrationTokens } from "@llm-labs/model";
import { ortDequantizeLinear, ortMatMulInteger, ortMatMulNBits, ortQuantizeLinear } from "./ort-reference.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const sci = (x: number) => x.toExponential(2);
const plot = (name: string) => fileURLToPath(new URL(`../plots/${name}`, import.meta.url));
const t00 = performance.now();

const model = loadCheckpoint(checkpointDir("target"));
const { n_embd: C } = model.config;

// ------------------------------------------------------------------ 1. bit-exact
heading("1. Our QuantizeLinear / DequantizeLinear vs ONNX Runtime 1.30 (opset 21)");
{
  const rng = new Rng(1);
  const R = 64, Cc = 128;
  const random = Float32Array.from({ length: R * Cc }, () => rng.normal() * 3);
  const ties = Float32Array.from({ length: R * Cc }, () => ((rng.int(1201) - 600) / 2) * 0.25); // x/s = k + ½ for s = 0.25
  const real = model.params.h[0]!.c_attn.weight.subarray(0, R * Cc);
  const grans: [string, Granularity][] = [
    ["per tensor", { kind: "tensor" }],
    ["per axis (1)", { kind: "axis", axis: 1 }],
    ["blocked axis 0, B=32", { kind: "block", axis: 0, blockSize: 32 }],
  ];
  const rows: (string | number)[][] = [];
  for (const [gname, g] of grans)
    for (const t of ["int8", "uint8"] as const) {
      const type = t === "int8" ? INT8 : UINT8;
      let n = 0, qDiff = 0, dDiff = 0;
      for (const [input, fixedScale] of [[random, 0], [ties, 0.25], [real, 0]] as const) {
        const qt = quantizeTensor(input, R, Cc, g, type, t === "int8");
        if (fixedScale) qt.scales.fill(fixedScale);
        const ours = quantizeWith(input, R, Cc, g, qt.scales, qt.zeroPoints, type);
        const theirs = await ortQuantizeLinear(Float32Array.from(input), R, Cc, g, qt.scales, qt.zeroPoints, t);
        const back = dequantizeTensor({ ...qt, q: ours }), ortBack = await ortDequantizeLinear(ours, R, Cc, g, qt.scales, qt.zeroPoints, t);
        for (let i = 0; i < ours.length; i++) {
          n++;
          if (ours[i] !== theirs[i]) qDiff++;
          if (back[i] !== ortBack[i]) dDiff++;
        }
      }
      rows.push([gname, t, n, qDiff, dDiff]);
    }
  console.log(table(["granularity", "type", "values (random + .5 ties + target)", "q ≠ ORT", "dequant ≠ ORT"], rows));
}

// ------------------------------------------------------------------ 2. granularity
heading("2. The error each granularity leaves on the target's linear weights");
{
  const all: { w: Float32Array; IN: number; OUT: number }[] = [];
  for (const b of model.params.h) for (const name of LINEARS) {
    const [IN, OUT] = linearShape(model, name);
    all.push({ w: Float32Array.from(b[name].weight), IN, OUT });
  }
  const grans: [string, Granularity][] = [
    ["per tensor", { kind: "tensor" }],
    ["per channel", { kind: "axis", axis: 1 }],
    ["g128", { kind: "block", axis: 0, blockSize: 128 }],
    ["g32", { kind: "block", axis: 0, blockSize: 32 }],
  ];
  const rows: (string | number)[][] = [];
  const bars: { label: string; value: number }[] = [];
  for (const [bits, type, sym] of [[8, INT8, true], [4, uintN(4), false]] as const)
    for (const [gname, g] of grans) {
      let se = 0, n = 0, max = 0;
      for (const { w, IN, OUT } of all) {
        const e = roundTripError(w, dequantizeTensor(quantizeTensor(w, IN, OUT, g, type, sym)));
        se += e.mse * w.length;
        n += w.length;
        max = Math.max(max, e.maxAbs);
      }
      rows.push([`INT${bits} ${sym ? "absmax" : "affine"}`, gname, sci(Math.sqrt(se / n)), sci(max)]);
      bars.push({ label: `INT${bits} ${gname}`, value: Math.sqrt(se / n) });
    }
  console.log(table(["format", "scales", "RMS error", "max |error|"], rows));
  console.log(barChart(bars.map((b) => ({ label: b.label, value: Number(b.value.toPrecision(3)) }))));
  writeSvg(plot("granularity-error.svg"), svgBarChart({ title: "RMS rounding error on the target's linear weights", yLabel: "RMS error", bars }));
  // the distribution the grid has to cover: layer 0 c_fc, 41 bins
  const w = all[2]!.w;
  let lo = Infinity, hi = -Infinity;
  for (const v of w) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const bins = new Array<number>(41).fill(0);
  for (const v of w) bins[Math.min(40, Math.floor(((v - lo) / (hi - lo)) * 41))]!++;
  console.log(`layer 0 c_fc weights, ${sci(lo)} … ${sci(hi)}:  ${sparkline(bins)}`);
  console.log("(most weights sit near 0; the per-tensor grid is stretched to the rare large ones, which is what finer groups fix)");
  writeSvg(plot("weight-histogram.svg"), svgBarChart({ title: "Layer 0 c_fc weights (41 bins)", yLabel: "count", bars: bins.map((value, i) => ({ label: (lo + ((i + 0.5) * (hi - lo)) / 41).toFixed(2), value })) }));
}

// ------------------------------------------------------------------ 3. INT8 matmul
heading("3. INT8 linear on real activations: our int32 sums vs ORT MatMulInteger");
const heldout = await heldoutTokens(1536);
{
  const T = 64;
  const acts = forward(model, heldout.slice(0, T), 1, T);
  const x = acts.layers[0]!.ln1, w = model.params.h[0]!.c_attn.weight;
  const xq = quantizeRows(x, T, C), wq = quantizeColumns(w, C, 3 * C);
  const ours = int8Matmul(xq.q, wq.q, T, C, 3 * C), theirs = await ortMatMulInteger(xq.q, wq.q, T, C, 3 * C);
  let diff = 0;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) diff++;
  let se = 0, ss = 0;
  for (let m = 0; m < T; m++) for (let n = 0; n < 3 * C; n++) {
    let ref = 0;
    for (let k = 0; k < C; k++) ref += x[m * C + k]! * w[k * 3 * C + n]!;
    const y = xq.scales[m]! * wq.scales[n]! * ours[m * 3 * C + n]!;
    se += (y - ref) ** 2;
    ss += ref ** 2;
  }
  console.log(`layer 0 c_attn, ${T} tokens: ${ours.length} int32 outputs, ${diff} differ from MatMulInteger; relative error of the dequantized output vs fp32: ${sci(Math.sqrt(se / ss))}`);
}

// ------------------------------------------------------------------ 4. INT4 in ORT
heading("4. Our packed INT4 weights in ORT com.microsoft.MatMulNBits");
{
  const T = 64, w = model.params.h[0]!.c_fc.weight, K = C, N = 4 * C;
  const acts = forward(model, heldout.slice(0, T), 1, T), a = Float32Array.from(acts.layers[0]!.ln2);
  for (const g of [128, 32]) {
    const q = quantizeRtn(w, K, N, g), packed = toMatMulNBits(q), dq = dequantizeInt4(q);
    const ours = new Float32Array(T * N);
    for (let m = 0; m < T; m++) for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) ours[m * N + n] += a[m * K + k]! * dq[k * N + n]!;
    const ort = await ortMatMulNBits(a, T, K, N, g, packed.B, packed.scales, packed.zeroPoints);
    let d = 0;
    for (let i = 0; i < ours.length; i++) d = Math.max(d, Math.abs(ours[i]! - ort[i]!));
    console.log(`layer 0 c_fc, g${g}: B ${packed.B.length} bytes, scales ${packed.scales.length}, zero points ${packed.zeroPoints.length} bytes → max |ours − ORT| = ${sci(d)}`);
  }
}

// ------------------------------------------------------------------ 5. whole model
heading(`5. The quantized specimen: perplexity on ${heldout.length} held-out tokens, weight bytes`);
{
  const calib = await calibrationTokens(512);
  const H = calibrationHessians(model, calib);
  const P = linearParamCount(model), fp32Bytes = 4 * P;
  const bytesFor = (bits: number, g: number) => {
    let b = 0;
    for (const name of LINEARS) {
      const [IN, OUT] = linearShape(model, name);
      b += bits === 4 ? int4Bytes(IN, OUT, g) : (IN * OUT * bits) / 8 + OUT * (IN / g) * 4 + OUT * Math.ceil(((IN / g) * bits) / 8);
    }
    return b * model.config.n_layer;
  };
  let int8Bytes = 0;
  for (const name of LINEARS) { const [IN, OUT] = linearShape(model, name); int8Bytes += IN * OUT + 4 * OUT; }
  int8Bytes *= model.config.n_layer;
  const ppl = (m: typeof model) => Math.exp(heldoutLoss(m, heldout));
  const base = ppl(model);
  const rows: (string | number)[][] = [];
  const add = (name: string, p: number, bytes: number) => rows.push([name, p.toFixed(4), `${((p / base - 1) * 100).toFixed(2)}%`, bytes.toLocaleString("en-US"), (bytes / fp32Bytes).toFixed(3)]);
  add("fp32", base, fp32Bytes);
  add("INT8 per-channel absmax", ppl(mapLinears(model, (w, IN, OUT) => dequantizeTensor(quantizeTensor(w, IN, OUT, { kind: "axis", axis: 1 }, INT8, true)))), int8Bytes);
  for (const [bits, g] of [[4, 128], [4, 32], [3, 32]] as const) {
    add(`INT${bits} RTN g${g}`, ppl(mapLinears(model, (w, IN, OUT) => dequantizeInt4(quantizeRtn(w, IN, OUT, g, bits)))), bytesFor(bits, g));
    add(`INT${bits} GPTQ g${g}`, ppl(mapLinears(model, (w, IN, OUT, key) => dequantizeInt4(gptqQuantize(w, IN, OUT, H.get(key)!, g, bits)))), bytesFor(bits, g));
  }
  console.log(table(["weights", "perplexity", "vs fp32", "linear weight bytes", "× fp32"], rows));
  console.log(`(${P.toLocaleString("en-US")} linear weights; embeddings and LayerNorms stay fp32. GPTQ calibrated on ${calib.length} train-split tokens.)`);

  // GPTQ's own objective, one layer: ‖XW − XŴ‖² on held-out inputs
  const ho = calibrationInputs(model, heldout.slice(0, 512)).get("0.c_fc")!;
  const w = model.params.h[0]!.c_fc.weight;
  const e = (d: Float32Array) => sci(outputError(ho.x, ho.T, C, 4 * C, w, d));
  console.log(`layer 0 c_fc output MSE on held-out inputs, INT4 g32: RTN ${e(dequantizeInt4(quantizeRtn(w, C, 4 * C, 32)))}, GPTQ ${e(dequantizeInt4(gptqQuantize(w, C, 4 * C, H.get("0.c_fc")!, 32)))}`);
}

console.log(`\nplots: plots/granularity-error.svg, plots/weight-histogram.svg · total ${((performance.now() - t00) / 1000).toFixed(1)} s`);
