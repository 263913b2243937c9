// npx tsx bench/sparse-matmul.bench.ts   (or: npm run bench -- --only labs/06-pruning)
//
// One linear the size of the target's c_fc ([128 → 512]) on 128 tokens, real
// weights (layer 0), one thread: the dense register-blocked kernel of
// @llm-labs/tensor against our CSR kernel at 50 / 90 / 99 % (magnitude) and our
// packed 2:4 kernel (SparseGPT's 2:4 weights would time the same: only the
// pattern matters). "simple loop" is the dense i-k-j loop written like the CSR
// kernel, without the skipping: the fair baseline for what skipping buys.

import { checkpointDir, loadCheckpoint } from "@llm-labs/model";
import { matmulAccumulate, Rng } from "@llm-labs/tensor";
import { median, ratioLine, table } from "@llm-labs/kit";
import { applyMask } from "../src/mask.ts";
import { magnitudeMask } from "../src/magnitude.ts";
import { nmMask } from "../src/n-m.ts";
import { csrBytes, csrMatmul, toCsr } from "../src/csr.ts";
import { matmul24, pack24, packed24Bytes } from "../src/two-four.ts";

const M = 128;
const K = 128;
const N = 512;
const w = loadCheckpoint(checkpointDir("target")).params.h[0].c_fc.weight as Float32Array;
const rng = new Rng(1);
const x = Float32Array.from({ length: M * K }, () => rng.normal());
const ROUNDS = 31;
const WARMUP = 5;

function simpleLoop(a: Float32Array, b: Float32Array): Float32Array {
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let k = 0; k < K; k++) {
      const xv = a[m * K + k];
      const yo = m * N;
      const wo = k * N;
      for (let n = 0; n < N; n++) y[yo + n] += xv * b[wo + n];
    }
  return y;
}

// Every kernel is timed once per round, in interleaved rounds (median over
// rounds), so a burst of load from another process hits them all alike.
const dense = new Float32Array(M * N);
const csr = [0.5, 0.9, 0.99].map((p) => [p, toCsr(applyMask(w, magnitudeMask(w, p)), K, N)] as const);
const packed = pack24(applyMask(w, nmMask(Float64Array.from(w, Math.abs), K, N)), K, N);
const kernels: [string, string, () => unknown, number][] = [
  [
    "dense fp32 (matmulAccumulate, register-blocked)",
    "dense",
    () => matmulAccumulate(dense, x, w, M, K, N),
    4 * K * N,
  ],
  ["dense fp32, simple i-k-j loop", "simple-loop", () => simpleLoop(x, w), 4 * K * N],
  ...csr.map(([p, a]): [string, string, () => unknown, number] => [
    `CSR at ${p * 100}%`,
    `csr-${p * 100}`,
    () => csrMatmul(x, M, a),
    csrBytes(a),
  ]),
  ["2:4 packed", "2:4", () => matmul24(x, M, packed), packed24Bytes(packed)],
];
const times = kernels.map(() => [] as number[]);
for (let r = 0; r < WARMUP + ROUNDS; r++)
  kernels.forEach(([, , fn], i) => {
    const t0 = performance.now();
    fn();
    if (r >= WARMUP) times[i].push(performance.now() - t0);
  });
const ms = times.map(median);

console.log(`[${M}, ${K}] × [${K}, ${N}], median ms of ${ROUNDS} interleaved rounds\n`);
console.log(
  table(
    ["kernel", "ms", "weight bytes"],
    kernels.map(([name, , , bytes], i) => [name, ms[i].toFixed(3), bytes.toLocaleString("en-US")]),
  ),
);
kernels.slice(2).forEach(([, tag], i) => {
  console.log(ratioLine(`dense / ${tag}`, ms[0] / ms[i + 2]));
  console.log(ratioLine(`simple-loop / ${tag}`, ms[1] / ms[i + 2]));
});
