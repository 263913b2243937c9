// npm run lab quantization
//
// The lab's story in one run: our quantizer equals ONNX Runtime's bit for bit,
// finer groups leave less error on the target's real weights, the int8 matmul
// equals MatMulInteger, our packed INT4 tensors run in MatMulNBits unchanged,
// the whole INT4 specimen runs in ORT with MatMulNBits in every layer, the whole
// specimen at INT8, INT4 (RTN, GPTQ, AWQ) and INT3: perplexity and bytes; then
// W8A8 with SmoothQuant and LLM.int8(), and a KIVI-quantized KV cache.

import { fileURLToPath } from "node:url";
import {
  calibrationInputs,
  checkpointDir,
  forward,
  hessian,
  heldoutLoss,
  LINEAR_NAMES,
  linearParamCount,
  linearShape,
  loadCheckpoint,
  mapLinears,
  OrtGPT,
  type LinearName,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { barChart, sparkline, svgBarChart, table, writeSvg } from "@llm-labs/kit";
import { dynamicQuantizeLinear, INT8, intN, UINT8, uintN } from "./quantize.ts";
import {
  dequantizeTensor,
  quantizeTensor,
  quantizeWith,
  roundTripError,
  type Granularity,
} from "./granularity.ts";
import { int8Matmul, quantizeColumns, quantizeRows } from "./int8-linear.ts";
import { dequantizeInt4, int4Bytes, quantizeRtn, toMatMulNBits, type Int4Weight } from "./int4.ts";
import { gptqQuantize, outputError } from "./gptq.ts";
import { heldoutTokens, trainTokens as calibrationTokens } from "@llm-labs/model";
import {
  ortDequantizeLinear,
  ortDynamicQuantizeLinear,
  ortMatMulInteger,
  ortMatMulNBits,
  ortQuantizeLinear,
} from "./ort-reference.ts";
import { exportInt4Onnx, dequantizedModel } from "./ort-int4-model.ts";
import { awqDequantize, awqQuantize, scaleRows } from "./awq.ts";
import { perplexityWith, meanNll } from "./linear-forward.ts";
import { outlierColumns, w8a8Linear, w8a8Matmul, fakeQuantColumns } from "./w8a8.ts";
import { channelAbsMax, smoothModel, smoothScales } from "./smoothquant.ts";
import { QuantizedKVCache, kvQuantBytesPerElement, type KVQuantOptions } from "./kv-quant.ts";
import {
  KVCache,
  KV_SHAPES,
  forwardWithCache,
  formatBytes,
  kvCacheBytes,
} from "@llm-labs/lab-attention-kv-cache";

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
  const R = 64;
  const Cc = 128;
  const random = Float32Array.from({ length: R * Cc }, () => rng.normal() * 3);
  const ties = Float32Array.from({ length: R * Cc }, () => ((rng.int(1201) - 600) / 2) * 0.25); // x/s = k + ½ for s = 0.25
  const real = model.params.h[0].c_attn.weight.subarray(0, R * Cc);
  const grans: [string, Granularity][] = [
    ["per tensor", { kind: "tensor" }],
    ["per axis (1)", { kind: "axis", axis: 1 }],
    ["blocked axis 0, B=32", { kind: "block", axis: 0, blockSize: 32 }],
  ];
  const rows: (string | number)[][] = [];
  for (const [gname, g] of grans)
    for (const t of ["int8", "uint8", "int4", "uint4"] as const) {
      const type = t === "int8" ? INT8 : t === "uint8" ? UINT8 : t === "int4" ? intN(4) : uintN(4);
      let n = 0;
      let qDiff = 0;
      let dDiff = 0;
      for (const [input, fixedScale] of [
        [random, 0],
        [ties, 0.25],
        [real, 0],
      ] as const) {
        const qt = quantizeTensor(input, R, Cc, g, type, t === "int8" || t === "int4");
        if (fixedScale) qt.scales.fill(fixedScale);
        const ours = quantizeWith(input, R, Cc, g, qt.scales, qt.zeroPoints, type);
        const theirs = await ortQuantizeLinear(
          Float32Array.from(input),
          R,
          Cc,
          g,
          qt.scales,
          qt.zeroPoints,
          t,
        );
        const back = dequantizeTensor({ ...qt, q: ours });
        const ortBack = await ortDequantizeLinear(ours, R, Cc, g, qt.scales, qt.zeroPoints, t);
        for (let i = 0; i < ours.length; i++) {
          n++;
          if (ours[i] !== theirs[i]) qDiff++;
          if (back[i] !== ortBack[i]) dDiff++;
        }
      }
      rows.push([gname, t, n, qDiff, dDiff]);
    }
  console.log(
    table(["granularity", "type", "values (random + .5 ties + target)", "q ≠ ORT", "dequant ≠ ORT"], rows),
  );
  let dqDiff = 0;
  let dqN = 0;
  for (const x of [random, real, Float32Array.from(random, (v) => v + 5)]) {
    const ours = dynamicQuantizeLinear(x);
    const ort = await ortDynamicQuantizeLinear(Float32Array.from(x));
    if (ours.scale !== ort.scale || ours.zeroPoint !== ort.zeroPoint) dqDiff++;
    for (let i = 0; i < x.length; i++) if (ours.y[i] !== ort.y[i]) dqDiff++;
    dqN += x.length;
  }
  const zero = await ortDynamicQuantizeLinear(new Float32Array(8));
  const zeroOurs = dynamicQuantizeLinear(new Float32Array(8));
  console.log(
    `DynamicQuantizeLinear: ${dqN} values, ${dqDiff} differ from ORT (scales and zero points equal). All-zero input: ORT gives scale ${zero.scale}, zero point ${zero.zeroPoint}; we give ${zeroOurs.scale}, ${zeroOurs.zeroPoint} (the spec's formula would divide 0 by 0).`,
  );
}

// ------------------------------------------------------------------ 2. granularity
heading("2. The error each granularity leaves on the target's linear weights");
{
  const all: { w: Float32Array; IN: number; OUT: number }[] = [];
  for (const b of model.params.h)
    for (const name of LINEAR_NAMES) {
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
  for (const [bits, type, sym] of [
    [8, INT8, true],
    [4, uintN(4), false],
  ] as const)
    for (const [gname, g] of grans) {
      let se = 0;
      let n = 0;
      let max = 0;
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
  writeSvg(
    plot("granularity-error.svg"),
    svgBarChart({ title: "RMS rounding error on the target's linear weights", yLabel: "RMS error", bars }),
  );
  // the distribution the grid has to cover: layer 0 c_fc, 41 bins
  const w = all[2].w;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of w) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const bins = new Array<number>(41).fill(0);
  for (const v of w) bins[Math.min(40, Math.floor(((v - lo) / (hi - lo)) * 41))]++;
  console.log(`layer 0 c_fc weights, ${sci(lo)} … ${sci(hi)}:  ${sparkline(bins)}`);
  console.log(
    "(most weights sit near 0; the per-tensor grid is stretched to the rare large ones, which is what finer groups fix)",
  );
  writeSvg(
    plot("weight-histogram.svg"),
    svgBarChart({
      title: "Layer 0 c_fc weights (41 bins)",
      yLabel: "count",
      bars: bins.map((value, i) => ({ label: (lo + ((i + 0.5) * (hi - lo)) / 41).toFixed(2), value })),
    }),
  );
}

// ------------------------------------------------------------------ 3. INT8 matmul
heading("3. INT8 linear on real activations: our int32 sums vs ORT MatMulInteger");
const heldout = await heldoutTokens(1536);
{
  const T = 64;
  const acts = forward(model, heldout.slice(0, T), 1, T);
  const x = acts.layers[0].ln1;
  const w = model.params.h[0].c_attn.weight;
  const xq = quantizeRows(x, T, C);
  const wq = quantizeColumns(w, C, 3 * C);
  const ours = int8Matmul(xq.q, wq.q, T, C, 3 * C);
  const theirs = await ortMatMulInteger(xq.q, wq.q, T, C, 3 * C);
  let diff = 0;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) diff++;
  let se = 0;
  let ss = 0;
  for (let m = 0; m < T; m++)
    for (let n = 0; n < 3 * C; n++) {
      let ref = 0;
      for (let k = 0; k < C; k++) ref += x[m * C + k] * w[k * 3 * C + n];
      const y = xq.scales[m] * wq.scales[n] * ours[m * 3 * C + n];
      se += (y - ref) ** 2;
      ss += ref ** 2;
    }
  console.log(
    `layer 0 c_attn, ${T} tokens: ${ours.length} int32 outputs, ${diff} differ from MatMulInteger; relative error of the dequantized output vs fp32: ${sci(Math.sqrt(se / ss))}`,
  );
}

// ------------------------------------------------------------------ 4. INT4 in ORT
heading("4. Our packed INT4 weights in ORT com.microsoft.MatMulNBits");
{
  const T = 64;
  const w = model.params.h[0].c_fc.weight;
  const K = C;
  const N = 4 * C;
  const acts = forward(model, heldout.slice(0, T), 1, T);
  const a = Float32Array.from(acts.layers[0].ln2);
  for (const g of [128, 32]) {
    const q = quantizeRtn(w, K, N, g);
    const packed = toMatMulNBits(q);
    const dq = dequantizeInt4(q);
    const ours = new Float32Array(T * N);
    for (let m = 0; m < T; m++)
      for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) ours[m * N + n] += a[m * K + k] * dq[k * N + n];
    const ort = await ortMatMulNBits(a, T, K, N, g, packed.B, packed.scales, packed.zeroPoints);
    let d = 0;
    for (let i = 0; i < ours.length; i++) d = Math.max(d, Math.abs(ours[i] - ort[i]));
    console.log(
      `layer 0 c_fc, g${g}: B ${packed.B.length} bytes, scales ${packed.scales.length}, zero points ${packed.zeroPoints.length} bytes → max |ours − ORT| = ${sci(d)}`,
    );
  }
  // the whole specimen: every linear a MatMulNBits node holding our packed bytes
  const ids = heldout.slice(0, 128);
  const fp32 = forward(model, ids, 1, ids.length).logits;
  for (const g of [128, 32]) {
    const weights = new Map<string, Int4Weight>();
    model.params.h.forEach((b, i) => {
      for (const name of LINEAR_NAMES) {
        const [IN, OUT] = linearShape(model, name);
        weights.set(`${i}.${name}`, quantizeRtn(b[name].weight, IN, OUT, g));
      }
    });
    const bytes = exportInt4Onnx(model, weights);
    const ort = await OrtGPT.load(model.config, bytes);
    const { logits } = await ort.step(ids, 1, ort.emptyCache(1));
    await ort.release();
    const ts = forward(dequantizedModel(model, weights), ids, 1, ids.length).logits;
    let d = 0;
    let dfp = 0;
    for (let i = 0; i < ts.length; i++) {
      d = Math.max(d, Math.abs(ts[i] - logits[i]));
      dfp = Math.max(dfp, Math.abs(fp32[i] - logits[i]));
    }
    console.log(
      `whole target, INT4 g${g} in ORT (${LINEAR_NAMES.length * model.config.n_layer} MatMulNBits nodes, ${(bytes.length / 1e6).toFixed(2)} MB .onnx), ${ids.length} tokens: max |logit ORT − TS dequantized| = ${sci(d)} (vs fp32 logits: ${sci(dfp)})`,
    );
  }
}

// ------------------------------------------------------------------ 5. whole model
heading(`5. The quantized specimen: perplexity on ${heldout.length} held-out tokens, weight bytes`);
{
  const calib = await calibrationTokens(512);
  const X = calibrationInputs(model, calib);
  const H = new Map([...X].map(([key, { x, T, K }]) => [key, hessian(x, T, K)]));
  const alphas = new Map<number, number[]>([
    [128, []],
    [32, []],
  ]);
  const P = linearParamCount(model);
  const fp32Bytes = 4 * P;
  const bytesFor = (bits: number, g: number) => {
    let b = 0;
    for (const name of LINEAR_NAMES) {
      const [IN, OUT] = linearShape(model, name);
      b +=
        bits === 4
          ? int4Bytes(IN, OUT, g)
          : (IN * OUT * bits) / 8 + OUT * (IN / g) * 4 + OUT * Math.ceil(((IN / g) * bits) / 8);
    }
    return b * model.config.n_layer;
  };
  let int8Bytes = 0;
  for (const name of LINEAR_NAMES) {
    const [IN, OUT] = linearShape(model, name);
    int8Bytes += IN * OUT + 4 * OUT;
  }
  int8Bytes *= model.config.n_layer;
  const ppl = (m: typeof model) => Math.exp(heldoutLoss(m, heldout));
  const base = ppl(model);
  const rows: (string | number)[][] = [];
  const add = (name: string, p: number, bytes: number) =>
    rows.push([
      name,
      p.toFixed(4),
      `${((p / base - 1) * 100).toFixed(2)}%`,
      bytes.toLocaleString("en-US"),
      (bytes / fp32Bytes).toFixed(3),
    ]);
  add("fp32", base, fp32Bytes);
  add(
    "INT8 per-channel absmax",
    ppl(
      mapLinears(model, (w, IN, OUT) =>
        dequantizeTensor(quantizeTensor(w, IN, OUT, { kind: "axis", axis: 1 }, INT8, true)),
      ),
    ),
    int8Bytes,
  );
  for (const [bits, g] of [
    [4, 128],
    [4, 32],
    [3, 32],
  ] as const) {
    add(
      `INT${bits} RTN g${g}`,
      ppl(mapLinears(model, (w, IN, OUT) => dequantizeInt4(quantizeRtn(w, IN, OUT, g, bits)))),
      bytesFor(bits, g),
    );
    add(
      `INT${bits} GPTQ g${g}`,
      ppl(
        mapLinears(model, (w, IN, OUT, key) =>
          dequantizeInt4(gptqQuantize(w, IN, OUT, H.get(key)!, g, bits)),
        ),
      ),
      bytesFor(bits, g),
    );
    if (bits === 4)
      add(
        `INT4 AWQ g${g}`,
        ppl(
          mapLinears(model, (w, IN, OUT, key) => {
            const c = X.get(key)!;
            const r = awqQuantize(w, IN, OUT, c.x, c.T, g, bits);
            alphas.get(g)!.push(r.alpha);
            return awqDequantize(r);
          }),
        ),
        bytesFor(bits, g),
      );
  }
  console.log(table(["weights", "perplexity", "vs fp32", "linear weight bytes", "× fp32"], rows));
  console.log(
    `(${P.toLocaleString("en-US")} linear weights; embeddings and LayerNorms stay fp32. GPTQ and AWQ calibrated on ${calib.length} train-split tokens.)`,
  );
  for (const [g, a] of alphas)
    console.log(`AWQ's α per layer, g${g}: ${a.map((v) => v.toFixed(2)).join(" ")}`);

  // GPTQ's own objective, one layer: ‖XW − XŴ‖² on held-out inputs
  const ho = calibrationInputs(model, heldout.slice(0, 512)).get("0.c_fc")!;
  const w = model.params.h[0].c_fc.weight;
  const e = (d: Float32Array) => sci(outputError(ho.x, ho.T, C, 4 * C, w, d));
  const c = X.get("0.c_fc")!;
  console.log(
    `layer 0 c_fc output MSE on held-out inputs, INT4 g32: RTN ${e(dequantizeInt4(quantizeRtn(w, C, 4 * C, 32)))}, GPTQ ${e(dequantizeInt4(gptqQuantize(w, C, 4 * C, H.get("0.c_fc")!, 32)))}, AWQ ${e(awqDequantize(awqQuantize(w, C, 4 * C, c.x, c.T, 32)))}`,
  );
  // how much AWQ has to work with: the spread of mean |x_j| over input channels
  const spread = (key: string) => {
    const { x, T, K } = X.get(key)!;
    const m = new Float64Array(K);
    for (let t = 0; t < T; t++) for (let j = 0; j < K; j++) m[j] += Math.abs(x[t * K + j]) / T;
    const sorted = Array.from(m).sort((a, b) => a - b);
    return `${(sorted[K - 1] / sorted[K >> 1]).toFixed(1)}×`;
  };
  console.log(
    `largest / median mean|x_j| over input channels: ${["0.c_attn", "0.c_fc", "0.mlp_c_proj", "3.c_fc"].map((k) => `${k} ${spread(k)}`).join(", ")}`,
  );
}

// ------------------------------------------------------------------ 6. W8A8
heading("6. W8A8 (int8 weights per channel, int8 activations per token): SmoothQuant and LLM.int8()");
{
  const calib = await calibrationTokens(512);
  const X = calibrationInputs(model, calib);
  const absMax = new Map([...X].map(([k, v]) => [k, channelAbsMax(v.x, v.T, v.K)]));
  // the activations each linear sees: how big, and how many columns LLM.int8() would keep in float
  const rows: (string | number)[][] = [];
  let outliers6 = 0;
  for (const [key, { x, T, K }] of X) {
    const m = absMax.get(key)!;
    const sorted = Array.from(m).sort((a, b) => a - b);
    const o6 = outlierColumns(x, T, K, 6).length;
    const o3 = outlierColumns(x, T, K, 3);
    outliers6 += o6;
    if (!key.startsWith("0.") && !key.startsWith("3.")) continue;
    const name = key.split(".")[1] as LinearName;
    const [, N] = linearShape(model, name);
    const w = Float32Array.from(model.params.h[Number(key[0])][name].weight);
    const sub = x.subarray(0, 128 * K);
    const ref = new Float32Array(128 * N);
    for (let t = 0; t < 128; t++)
      for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) ref[t * N + n] += sub[t * K + k] * w[k * N + n];
    const rel = (y: Float32Array) => {
      let se = 0;
      let ss = 0;
      for (let i = 0; i < y.length; i++) {
        se += (y[i] - ref[i]) ** 2;
        ss += ref[i] ** 2;
      }
      return sci(Math.sqrt(se / ss));
    };
    const wq = fakeQuantColumns(w, K, N);
    let smooth = "—"; // SmoothQuant α = 0.5 where it can be folded (after a LayerNorm)
    if (name === "c_attn" || name === "c_fc") {
      const sc = smoothScales(m, w, K, N, 0.5);
      const ws = scaleRows(w, K, N, sc);
      const xs = sub.map((v, i) => v / sc[i % K]);
      smooth = rel(w8a8Matmul(xs, 128, K, N, ws, fakeQuantColumns(ws, K, N)));
    }
    rows.push([
      key,
      sorted[K - 1].toFixed(2),
      sorted[K >> 1].toFixed(2),
      o6,
      o3.length,
      rel(w8a8Matmul(sub, 128, K, N, w, wq)),
      rel(w8a8Matmul(sub, 128, K, N, w, wq, 3)),
      smooth,
    ]);
  }
  console.log(
    table(
      [
        "layer",
        "max |x|",
        "median channel max",
        "cols |x|>6",
        "cols |x|>3",
        "W8A8 rel. error",
        "LLM.int8() @3",
        "SmoothQuant α=.5",
      ],
      rows,
    ),
  );
  console.log(
    "(relative output error on 128 calibration tokens; LLM.int8() @3 keeps the columns over 3.0 in float)",
  );
  console.log(
    `columns over LLM.int8()'s threshold 6.0 in all 16 layers: ${outliers6} (the decomposition at 6.0 is plain W8A8 here)`,
  );
  const base = Math.exp(heldoutLoss(model, heldout));
  const pct = (p: number) => `${((p / base - 1) * 100).toFixed(3)}%`;
  const ppl: (string | number)[][] = [["fp32", base.toFixed(4), "—"]];
  const add = (name: string, p: number) => ppl.push([name, p.toFixed(4), pct(p)]);
  add("W8A8, no smoothing", perplexityWith(model, heldout, w8a8Linear()));
  for (const alpha of [0, 0.25, 0.5, 0.75, 1])
    add(
      `W8A8 + SmoothQuant α = ${alpha}`,
      perplexityWith(smoothModel(model, absMax, alpha), heldout, w8a8Linear()),
    );
  console.log(table(["model", "perplexity", "vs fp32"], ppl));
}

// ------------------------------------------------------------------ 7. KV cache
heading("7. KV cache quantization (KIVI): keys per channel, values per token");
{
  const tokens = heldout.slice(0, 769);
  const W = model.config.n_positions;
  const V = model.config.vocab_size;
  // token by token through lab 02's forwardWithCache: every query reads the (quantized) cache
  const ppl = (make: () => KVCache) => {
    let sum = 0;
    let n = 0;
    for (let s0 = 0; s0 + 1 < tokens.length; s0 += W) {
      const T = Math.min(W, tokens.length - 1 - s0);
      const cache = make();
      for (let t = 0; t < T; t++) {
        const r = meanNll(forwardWithCache(model, [tokens[s0 + t]], cache), [tokens[s0 + t + 1]], V);
        sum += r.sum;
        n += r.count;
      }
    }
    return Math.exp(sum / n);
  };
  const base = ppl(() => KVCache.for(model.config));
  const rows: (string | number)[][] = [["fp32 cache", base.toFixed(4), "—", "4"]];
  const configs: [string, KVQuantOptions][] = [
    ["INT8, K per channel, V per token", { bits: 8, groupSize: 32, keys: "channel" }],
    ["INT4, K per channel, V per token", { bits: 4, groupSize: 32, keys: "channel" }],
    ["INT4, K per token, V per token", { bits: 4, groupSize: 32, keys: "token" }],
    ["INT2, K per channel, V per token (KIVI-2)", { bits: 2, groupSize: 32, keys: "channel" }],
    ["INT2, K per token, V per token", { bits: 2, groupSize: 32, keys: "token" }],
  ];
  for (const [name, o] of configs) {
    const p = ppl(() => QuantizedKVCache.forModel(model.config, o));
    rows.push([
      name,
      p.toFixed(4),
      `${((p / base - 1) * 100).toFixed(2)}%`,
      kvQuantBytesPerElement(o.bits, o.groupSize).toFixed(3),
    ]);
  }
  console.log(table(["cache (G = 32)", "perplexity", "vs fp32 cache", "bytes / element"], rows));
  console.log(
    `(${tokens.length - 1} held-out tokens decoded one at a time; the newest < 32 keys stay exact until their group is full)`,
  );
  // lab 02's memory table, with the quantized element sizes (scale + zero point in fp16 per 32 elements)
  const sizes: [string, number][] = [
    ["16-bit", 2],
    ["INT8 g32", kvQuantBytesPerElement(8, 32)],
    ["INT4 g32", kvQuantBytesPerElement(4, 32)],
    ["INT2 g32", kvQuantBytesPerElement(2, 32)],
  ];
  console.log(
    table(
      ["model · 4K context × batch 32", ...sizes.map(([n]) => n)],
      KV_SHAPES.slice(1).map((s) => [
        s.name.replace(/ \(.*\)/, ""),
        ...sizes.map(([, b]) => formatBytes(kvCacheBytes({ ...s, bytesPerElement: b }, 4096, 32))),
      ]),
    ),
  );
}

console.log(
  `\nplots: plots/granularity-error.svg, plots/weight-histogram.svg · total ${((performance.now() - t00) / 1000).toFixed(1)} s`,
);
