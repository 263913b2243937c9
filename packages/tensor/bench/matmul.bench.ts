// How much does loop order and register blocking buy? And how far is plain
// TypeScript from a production kernel (ONNX Runtime's MLAS, single thread)?
//
//   npx tsx bench/matmul.bench.ts
//
// For square sizes n = M = N = K, times
//   naive        matmulNaive: the textbook i-j-k triple loop
//   ours         matmul: i-k-j order, 4x4 register blocking (src/matmul.ts)
//   ort-1thread  ONNX Runtime MatMul, intraOpNumThreads = 1, session created once,
//                warmed up, then only session.run is timed
// and prints GFLOP/s = 2·n³ / seconds / 1e9, then "ratio ..." lines. Ratios are
// measured in one run on one machine; absolute speeds vary far more between machines.

import os from "node:os";
import { ratioLine, timeIt, timeItAsync } from "@llm-labs/kit";
import { GraphBuilder, loadModel } from "@llm-labs/onnx";
import { Rng, matmul, matmulNaive, randn } from "../src/index.ts";

const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms / 1000) / 1e9;

const sizes = [256, 512];
const rows: { n: number; naive: number; ours: number; ort: number; maxDiff: number }[] = [];

for (const n of sizes) {
  const rng = new Rng(n);
  const a = randn(rng, [n, n]);
  const b = randn(rng, [n, n]);

  const model = new GraphBuilder(`matmul-${n}`)
    .input("A", "float32", [n, n])
    .input("B", "float32", [n, n])
    .node("MatMul", ["A", "B"], ["C"])
    .output("C", "float32", [n, n])
    .toModel();
  const ort = await loadModel(model, { intraOpThreads: 1 });
  const feeds = ort.toOrtFeeds({
    A: { type: "float32", data: a.data, dims: a.shape },
    B: { type: "float32", data: b.data, dims: b.shape },
  });

  // The naive loop is slow at 512, so it gets fewer repetitions.
  const naiveMs = timeIt(() => matmulNaive(a, b), { repeat: n <= 256 ? 7 : 3, warmup: 1 });
  const oursMs = timeIt(() => matmul(a, b), { repeat: 9, warmup: 2 });
  const ortMs = await timeItAsync(() => ort.session.run(feeds), { repeat: 15, warmup: 3 });

  // Sanity: the kernels must agree before their speeds mean anything.
  const ortC = (await ort.session.run(feeds)).C.data as Float32Array;
  const ours = matmul(a, b).data;
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ortC[i]));
  await ort.release();

  rows.push({ n, naive: gflops(n, naiveMs), ours: gflops(n, oursMs), ort: gflops(n, ortMs), maxDiff });
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`matmul, float32, C[n,n] = A[n,n]·B[n,n], median of repeated runs`);
console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${cpu.trim()})`);
console.log("");
console.log("size     naive GFLOP/s   ours GFLOP/s   ort-1thread GFLOP/s   max |ours - ort|");
for (const r of rows) {
  console.log(
    `${(r.n + "³").padEnd(8)} ${r.naive.toFixed(2).padStart(13)} ${r.ours.toFixed(2).padStart(14)} ` +
      `${r.ort.toFixed(2).padStart(21)}   ${r.maxDiff.toExponential(1)}`,
  );
}
console.log("");
for (const r of rows) {
  console.log(ratioLine(`matmul-${r.n} ours/naive`, r.ours / r.naive));
  console.log(ratioLine(`matmul-${r.n} ours/ort-1thread`, r.ours / r.ort));
}
