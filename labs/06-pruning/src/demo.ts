// npm run lab pruning
//
// The lab's story in one run: how much of the specimen's weights can go before
// it notices (magnitude, per layer and global), what activations (Wanda) and
// second-order error feedback (SparseGPT) buy at the same sparsity, the 2:4
// pattern checked over every layer, what sparse storage costs in bytes and
// whether our sparse kernels agree with ONNX Runtime, which layers are fragile
// (the sensitivity scan), and structured pruning that really shrinks the model.

import { fileURLToPath } from "node:url";
import {
  checkpointDir,
  heldoutLoss,
  heldoutTokens,
  loadCheckpoint,
  forward,
  LINEAR_NAMES,
  linearShape,
  mapLinears,
  trainTokens,
  type GPT,
} from "@llm-labs/model";
import { GraphBuilder, f32, runModel } from "@llm-labs/onnx";
import { svgHeatmap, svgLinePlot, table, writeSvg, type Series } from "@llm-labs/kit";
import { applyMask, sparsityOf } from "./mask.ts";
import { lowestMask, magnitudeMask } from "./magnitude.ts";
import { perOutputMask, wandaScores } from "./wanda.ts";
import { isNM } from "./n-m.ts";
import { csrBytes, csrMatmul, toCsr } from "./csr.ts";
import { matmul24, pack24, packed24Bytes } from "./two-four.ts";
import { calibrate, linearKeys, pruneModel, pruneOne, type Method } from "./pruned-model.ts";
import { pruneStructured, slimLoss, slimParamCount, toSlim } from "./structured.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const plot = (name: string) => fileURLToPath(new URL(`../plots/${name}`, import.meta.url));
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const t00 = performance.now();

const EVAL_TOKENS = 1024;
const SCAN_TOKENS = 256;
const CALIB_TOKENS = 1024;
const model = loadCheckpoint(checkpointDir("target"));
const heldout = await heldoutTokens(EVAL_TOKENS);
const ppl = (m: GPT, n = EVAL_TOKENS) => Math.exp(heldoutLoss(m, heldout, m.config.n_positions, n));
const base = ppl(model);
const calib = calibrate(model, await trainTokens(CALIB_TOKENS));
const totalLinear = linearKeys(model).length;
console.log(
  `target: 4 layers × 128 wide, ${totalLinear} linear layers (786,432 weights). Perplexity on the first ${EVAL_TOKENS} held-out tokens`,
);
console.log(
  `(8 windows of 128; the full held-out split takes ~80 s per model): dense ${base.toFixed(4)}. Wanda and SparseGPT calibrated on ${calib.tokens} train-split tokens.`,
);

// ------------------------------------------------------------------ 1–3. the sweep
heading("1. Perplexity vs sparsity: magnitude (per layer, global), Wanda, SparseGPT");
const SPARSITIES = [0.1, 0.3, 0.5, 0.7, 0.9];
const METHODS: [Method, string][] = [
  ["magnitude", "magnitude (per layer)"],
  ["magnitude-global", "magnitude (global)"],
  ["wanda", "Wanda"],
  ["sparsegpt", "SparseGPT"],
];
const curves = new Map<Method, number[]>();
for (const [method] of METHODS)
  curves.set(
    method,
    SPARSITIES.map((p) => ppl(pruneModel(model, method, { kind: "unstructured", sparsity: p }, calib))),
  );
const twoFour = new Map<Method, GPT>();
for (const method of ["magnitude", "wanda", "sparsegpt"] as const)
  twoFour.set(method, pruneModel(model, method, { kind: "nm", n: 2, m: 4 }, calib));
const twoFourPpl = new Map([...twoFour].map(([m, g]) => [m, ppl(g)]));
const cell = (p: number) =>
  `${p.toFixed(3)} (${p / base >= 1.995 ? `×${(p / base).toFixed(1)}` : `${p >= base ? "+" : ""}${((p / base - 1) * 100).toFixed(1)}%`})`;
console.log(
  table(
    ["sparsity", ...METHODS.map(([, name]) => name)],
    [
      ["0 (dense)", ...METHODS.map(() => base.toFixed(3))],
      ...SPARSITIES.map((p, i) => [pct(p), ...METHODS.map(([m]) => cell(curves.get(m)![i]))]),
      [
        "2:4 (50%)",
        cell(twoFourPpl.get("magnitude")!),
        "—",
        cell(twoFourPpl.get("wanda")!),
        cell(twoFourPpl.get("sparsegpt")!),
      ],
    ],
  ),
);
const series: Series[] = METHODS.map(([m, name]) => ({
  name,
  points: [[0, base], ...SPARSITIES.map((p, i): [number, number] => [p, curves.get(m)![i]])],
}));
for (const [m, name] of [
  ["magnitude", "2:4 magnitude"],
  ["wanda", "2:4 Wanda"],
  ["sparsegpt", "2:4 SparseGPT"],
] as const)
  series.push({ name, points: [[0.5, twoFourPpl.get(m)!]] });
writeSvg(
  plot("perplexity-vs-sparsity.svg"),
  svgLinePlot({
    title: "Target perplexity vs sparsity (1,024 held-out tokens)",
    xLabel: "sparsity of every linear layer",
    yLabel: "perplexity (log scale)",
    series,
    logY: true,
  }),
);
const at = (m: Method, p: number) => curves.get(m)![SPARSITIES.indexOf(p)];
console.log(
  `at 50 %: magnitude ${at("magnitude", 0.5).toFixed(3)}, Wanda ${at("wanda", 0.5).toFixed(3)}, SparseGPT ${at("sparsegpt", 0.5).toFixed(3)} → ` +
    `Wanda ${at("wanda", 0.5) < at("magnitude", 0.5) ? "beats" : "does NOT beat"} magnitude, SparseGPT ${at("sparsegpt", 0.5) < at("magnitude", 0.5) ? "beats" : "does NOT beat"} magnitude`,
);

// where global magnitude takes its weights from
{
  const g = pruneModel(model, "magnitude-global", { kind: "unstructured", sparsity: 0.5 });
  const rows = LINEAR_NAMES.map((name) => [name, ...g.params.h.map((b) => pct(sparsityOf(b[name].weight)))]);
  console.log("\nglobal magnitude at 50 %: the sparsity each layer ends up with");
  console.log(table(["linear", "layer 0", "layer 1", "layer 2", "layer 3"], rows));
}

// ------------------------------------------------------------------ ablation
heading("2. Wanda's two ideas, separated (50 %): the activation norm, and comparing per output");
{
  const masked = (
    score: (w: Float32Array, K: number, N: number, key: string) => Float64Array,
    perOutput: boolean,
  ) =>
    mapLinears(model, (w, K, N, key) =>
      applyMask(
        w,
        perOutput ? perOutputMask(score(w, K, N, key), K, N, 0.5) : lowestMask(score(w, K, N, key), 0.5),
      ),
    );
  const abs = (w: Float32Array) => Float64Array.from(w, Math.abs);
  const wanda = (w: Float32Array, K: number, N: number, key: string) =>
    wandaScores(w, K, N, calib.norms.get(key)!);
  console.log(
    table(
      ["score", "compared per layer", "compared per output"],
      [
        ["|W|  (magnitude)", ppl(masked(abs, false)).toFixed(4), ppl(masked(abs, true)).toFixed(4)],
        ["|W|·‖X‖  (Wanda)", ppl(masked(wanda, false)).toFixed(4), ppl(masked(wanda, true)).toFixed(4)],
      ],
    ),
  );
}

// ------------------------------------------------------------------ 2:4 validity
heading("3. The 2:4 pattern, checked in every group of every linear");
{
  const rows: (string | number)[][] = [];
  for (const [method, g] of twoFour) {
    let groups = 0;
    let bad = 0;
    g.params.h.forEach((b) => {
      for (const name of LINEAR_NAMES) {
        const [K, N] = linearShape(model, name);
        const w = b[name].weight;
        for (let c = 0; c < N; c++)
          for (let k = 0; k < K; k += 4) {
            groups++;
            let nz = 0;
            for (let i = 0; i < 4; i++) if (w[(k + i) * N + c] !== 0) nz++;
            if (nz !== 2) bad++;
          }
        if (!isNM(w, K, N)) throw new Error(`${method} ${name} is not 2:4`);
      }
    });
    rows.push([method, groups.toLocaleString("en-US"), bad]);
  }
  console.log(table(["method", "groups of 4", "groups without exactly 2 nonzeros"], rows));
}

// ------------------------------------------------------------------ storage
heading("4. Sparse storage: bytes of the 16 linear weights, and our kernels vs ORT MatMul");
{
  const dense = 4 * 786_432;
  const rows: (string | number)[][] = [["dense fp32", dense.toLocaleString("en-US"), "1.000", "—"]];
  const T = 64;
  const x = Float32Array.from(forward(model, heldout.slice(0, T), 1, T).layers[0].ln2);
  const w0 = model.params.h[0].c_fc.weight;
  const ort = async (w: Float32Array) => {
    const g = new GraphBuilder("matmul")
      .input("X", "float32", [T, 128])
      .initializer("W", f32(w, [128, 512]))
      .node("MatMul", ["X", "W"], ["Y"])
      .output("Y", "float32", [T, 512])
      .toModel({ opset: 21 });
    return (await runModel(g, { X: f32(x, [T, 128]) })).Y.data as Float32Array;
  };
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    return d;
  };
  for (const p of [0.5, 0.9, 0.99]) {
    const g = pruneModel(model, "magnitude", { kind: "unstructured", sparsity: p });
    let bytes = 0;
    g.params.h.forEach((b) =>
      LINEAR_NAMES.forEach((name) => {
        const [K, N] = linearShape(model, name);
        bytes += csrBytes(toCsr(b[name].weight, K, N));
      }),
    );
    const pw = applyMask(w0, magnitudeMask(w0, p));
    rows.push([
      `CSR at ${pct(p)} (magnitude)`,
      bytes.toLocaleString("en-US"),
      (bytes / dense).toFixed(3),
      diff(csrMatmul(x, T, toCsr(pw, 128, 512)), await ort(pw)).toExponential(1),
    ]);
  }
  let bytes24 = 0;
  twoFour.get("sparsegpt")!.params.h.forEach((b) =>
    LINEAR_NAMES.forEach((name) => {
      const [K, N] = linearShape(model, name);
      bytes24 += packed24Bytes(pack24(b[name].weight, K, N));
    }),
  );
  const w24 = twoFour.get("sparsegpt")!.params.h[0].c_fc.weight;
  rows.push([
    "2:4 packed (values + 2-bit positions)",
    bytes24.toLocaleString("en-US"),
    (bytes24 / dense).toFixed(3),
    diff(matmul24(x, T, pack24(w24, 128, 512)), await ort(Float32Array.from(w24))).toExponential(1),
  ]);
  console.log(
    table(["format", "bytes", "× dense", `layer 0 c_fc on ${T} real inputs: max |ours − ORT MatMul|`], rows),
  );
  console.log(
    "(CSR: fp32 values, uint16 column indices, int32 row pointers. Speed: npm run bench -- --only labs/06-pruning)",
  );
}

// ------------------------------------------------------------------ sensitivity
heading(`5. Sensitivity scan: one linear pruned at a time (magnitude), perplexity on ${SCAN_TOKENS} tokens`);
{
  const SCAN = [0.5, 0.7, 0.9];
  const keys = linearKeys(model);
  const scanBase = ppl(model, SCAN_TOKENS);
  const matrix = keys.map((key) =>
    SCAN.map((p) => (ppl(pruneOne(model, key, p), SCAN_TOKENS) / scanBase - 1) * 100),
  );
  console.log(
    table(
      ["linear", ...SCAN.map((p) => `+ppl % at ${pct(p)}`)],
      keys.map((k, i) => [k, ...matrix[i].map((v) => v.toFixed(2))]),
    ),
  );
  // colours on a log scale: one layer (0.c_attn) is 100× more fragile than the rest
  const logMatrix = matrix.map((row) => row.map((v) => Math.log10(1 + Math.max(0, v))));
  writeSvg(
    plot("sensitivity.svg"),
    svgHeatmap({
      title: "log10(1 + perplexity increase %), one linear pruned",
      matrix: logMatrix,
      rowLabels: keys,
      colLabels: SCAN.map((p) => `${pct(p)} sparse`),
    }),
  );
  const worst = keys.map((k, i) => [k, matrix[i][2]] as const).sort((a, b) => b[1] - a[1]);
  const signed = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(1)}%`;
  console.log(
    `most sensitive at 90 %: ${worst
      .slice(0, 3)
      .map(([k, v]) => `${k} (${signed(v)})`)
      .join(", ")}; least: ${worst
      .slice(-2)
      .map(([k, v]) => `${k} (${signed(v)})`)
      .join(", ")}`,
  );
}

// ------------------------------------------------------------------ structured
heading("6. Structured pruning: whole heads and MLP channels removed (smaller dense matrices)");
{
  const structCalib = calib.inputs;
  const full = toSlim(model);
  const P = slimParamCount(full);
  const rows: (string | number)[][] = [
    [
      "dense (4 heads, 512 channels per layer)",
      P.toLocaleString("en-US"),
      "1.000",
      Math.exp(slimLoss(full, heldout)).toFixed(3),
    ],
  ];
  for (const [label, headsRemoved, channelsRemoved, compensate] of [
    ["MLP −25 % channels (384 left)", 0, 128, true],
    ["MLP −50 % channels (256 left)", 0, 256, true],
    ["MLP −50 % channels, no bias compensation", 0, 256, false],
    ["1 of 4 heads removed per layer", 1, 0, true],
    ["1 head + MLP −50 %", 1, 256, true],
  ] as const) {
    const slim = pruneStructured(model, structCalib, { headsRemoved, channelsRemoved, compensate });
    const n = slimParamCount(slim);
    rows.push([
      label,
      n.toLocaleString("en-US"),
      (n / P).toFixed(3),
      Math.exp(slimLoss(slim, heldout)).toFixed(3),
    ]);
  }
  console.log(table(["model", "parameters", "× dense", "perplexity"], rows));
  console.log(
    "(units ranked by ‖(A_u − mean)·W_u‖ on calibration data; tokens/s: bench/structured.bench.ts)",
  );
}

console.log(
  `\nplots: plots/perplexity-vs-sparsity.svg, plots/sensitivity.svg · total ${((performance.now() - t00) / 1000).toFixed(1)} s`,
);
