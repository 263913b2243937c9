// npx tsx bench/lora.bench.ts   (or: npm run bench -- --only labs/05-lora)
//
// 1. One linear the size of the target's c_fc ([128 → 512]) on 128 tokens:
//    merged (a plain matmul) vs unmerged LoRA r = 8 (the matmul plus two small ones);
//    and the same on 1 token, a decode step.
// 2. The whole target on 128 tokens: merged weights vs every linear unmerged.
// 3. NF4 weights: TS dequantize-then-matmul vs TS fp32 matmul vs ORT MatMulBnb4
//    (which also dequantizes to fp32 and calls its sgemm) vs ORT MatMul fp32.
// ORT sessions are loaded once; only session.run is timed. One thread each.
// Merged and unmerged are timed in alternation (one call of each per round), so
// that a busy neighbour on a shared machine slows both alike.

import { GraphBuilder, f32, loadModel } from "@llm-labs/onnx";
import { Rng, matmulAccumulate } from "@llm-labs/tensor";
import { median, ratioLine, table, timeItAsync } from "@llm-labs/kit";
import { checkpointDir, forwardWithLinears, linearForward, loadCheckpoint } from "@llm-labs/model";
import { loraForward, type LoraWeights } from "../src/lora.ts";
import { merge } from "../src/merge.ts";
import { createAdapter, mergeAdapter } from "../src/adapter.ts";
import { dequantizeNf4Linear, quantizeNf4Linear } from "../src/nf4.ts";
import { packBnb4 } from "../src/bnb4.ts";
import { loadMatMulBnb4 } from "../src/ort-reference.ts";

const M = 128;
const K = 128;
const N = 512;
const r = 8;
const rng = new Rng(1);
const x = Float32Array.from({ length: M * K }, () => rng.normal());
const W0 = Float32Array.from({ length: K * N }, () => rng.normal() * 0.05);
const b = new Float32Array(N);
const lora: LoraWeights = {
  IN: K,
  OUT: N,
  r,
  alpha: 16,
  A: Float32Array.from({ length: r * K }, () => rng.normal() * 0.1),
  B: Float32Array.from({ length: N * r }, () => rng.normal() * 0.1),
};
const Wm = merge(W0, lora);
const Y = new Float32Array(M * N);

// Median ms of f and of g, one call of each per round.
function timePair(f: () => unknown, g: () => unknown, repeat: number, warmup: number): [number, number] {
  for (let i = 0; i < warmup; i++) f(), g();
  const tf: number[] = [];
  const tg: number[] = [];
  for (let i = 0; i < repeat; i++) {
    let t0 = performance.now();
    f();
    tf.push(performance.now() - t0);
    t0 = performance.now();
    g();
    tg.push(performance.now() - t0);
  }
  return [median(tf), median(tg)];
}

const [layerMerged, layerUnmerged] = timePair(
  () => linearForward(Y, x, Wm, b, M, K, N),
  () => loraForward(Y, x, W0, b, lora, M),
  61,
  10,
);
const x1 = x.subarray(0, K);
const Y1 = new Float32Array(N); // one token: the decode step
const [tokenMerged, tokenUnmerged] = timePair(
  () => linearForward(Y1, x1, Wm, b, 1, K, N),
  () => loraForward(Y1, x1, W0, b, lora, 1),
  2001,
  200,
);

const model = loadCheckpoint(checkpointDir("target"));
const adapter = createAdapter(
  model,
  { r, alpha: 16, targets: ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] },
  1,
);
adapter.flat.forEach((_, i) => (adapter.flat[i] = Math.sin(i) * 0.01));
const merged = mergeAdapter(model, adapter);
const ids = Array.from({ length: 128 }, (_, i) => (i * 7) % 1000);
const lookup = new Map(adapter.entries.map((e) => [`${e.layer}.${e.target}`, e.lora]));
// both through forwardWithLinears (bit for bit the specimen's forward with a plain linear), so only the linears differ
const [modelMerged, modelUnmerged] = timePair(
  () =>
    forwardWithLinears(merged, ids, 1, 128, (_l, _t, X, Nl, IN, OUT, w) => {
      const Yl = new Float32Array(Nl * OUT);
      linearForward(Yl, X, w.weight, w.bias, Nl, IN, OUT);
      return Yl;
    }),
  () =>
    forwardWithLinears(model, ids, 1, 128, (l, t, X, Nl, _IN, OUT, w) => {
      const Yl = new Float32Array(Nl * OUT);
      loraForward(Yl, X, w.weight, w.bias, lookup.get(`${l}.${t}`)!, Nl);
      return Yl;
    }),
  11,
  2,
);

const q = quantizeNf4Linear(W0, K, N, 64);
const packed = packBnb4(q.codes);
const [tsFp32, tsNf4] = timePair(
  () => matmulAccumulate(new Float32Array(M * N), x, W0, M, K, N),
  () => matmulAccumulate(new Float32Array(M * N), x, dequantizeNf4Linear(q, K, N), M, K, N),
  31,
  5,
);
const bnb4 = await loadMatMulBnb4(K, N, 64, packed, q.absmax);
const bnbFeeds = bnb4.toOrtFeeds({ A: f32(x, [M, K]) });
const ortNf4 = await timeItAsync(() => bnb4.session.run(bnbFeeds), { repeat: 31, warmup: 5 });
const mm = await loadModel(
  new GraphBuilder("matmul")
    .input("A", "float32", [M, K])
    .initializer("B", { type: "float32", data: W0, dims: [K, N] })
    .node("MatMul", ["A", "B"], ["Y"])
    .output("Y", "float32", [M, N])
    .toModel({ opset: 21 }),
);
const mmFeeds = mm.toOrtFeeds({ A: f32(x, [M, K]) });
const ortFp32 = await timeItAsync(() => mm.session.run(mmFeeds), { repeat: 31, warmup: 5 });
bnb4.release();
mm.release();

console.log(`median ms; layer [${M}, ${K}] × [${K}, ${N}], LoRA r = ${r}; model: the target on 128 tokens\n`);
console.log(
  table(
    ["what", "ms"],
    [
      ["layer, merged (one matmul)", layerMerged.toFixed(3)],
      ["layer, unmerged LoRA", layerUnmerged.toFixed(3)],
      ["layer, 1 token, merged", tokenMerged.toFixed(4)],
      ["layer, 1 token, unmerged LoRA", tokenUnmerged.toFixed(4)],
      ["target forward, merged", modelMerged.toFixed(2)],
      ["target forward, every linear unmerged", modelUnmerged.toFixed(2)],
      ["TS fp32 matmul", tsFp32.toFixed(3)],
      ["TS NF4: dequantize, then matmul", tsNf4.toFixed(3)],
      ["ORT MatMulBnb4 (NF4)", ortNf4.toFixed(3)],
      ["ORT MatMul fp32", ortFp32.toFixed(3)],
    ],
  ),
);
console.log(ratioLine("layer unmerged / merged", layerUnmerged / layerMerged));
console.log(ratioLine("layer 1-token unmerged / merged", tokenUnmerged / tokenMerged));
console.log(ratioLine("model unmerged / merged", modelUnmerged / modelMerged));
console.log(ratioLine("ts-nf4 / ts-fp32", tsNf4 / tsFp32));
console.log(ratioLine("ts-fp32 / ort-matmulbnb4", tsFp32 / ortNf4));
console.log(ratioLine("ort-matmulbnb4 / ort-matmul-fp32", ortNf4 / ortFp32));
