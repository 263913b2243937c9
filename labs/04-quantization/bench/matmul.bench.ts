// npx tsx bench/matmul.bench.ts   (or: npm run bench -- --only labs/04-quantization)
//
// One linear layer the size of the target's c_fc ([128 → 512]) on 128 tokens:
// fp32 matmul in TypeScript (@llm-labs/tensor), our int8 matmul with int32 sums,
// ORT MatMulInteger (int8 × int8 → int32) and ORT MatMulNBits (fp32 × packed INT4
// g32), one thread each. ORT sessions are loaded once; only session.run is timed.

import { GraphBuilder, f32, loadModel } from "@llm-labs/onnx";
import { matmulAccumulate, Rng } from "@llm-labs/tensor";
import { ratioLine, table, timeIt, timeItAsync } from "@llm-labs/kit";
import { int8Matmul, quantizeColumns, quantizeRows } from "../src/int8-linear.ts";
import { quantizeRtn, toMatMulNBits } from "../src/int4.ts";

const M = 128;
const K = 128;
const N = 512;
const G = 32;
const rng = new Rng(1);
const x = Float32Array.from({ length: M * K }, () => rng.normal());
const w = Float32Array.from({ length: K * N }, () => rng.normal() * 0.05);
const xq = quantizeRows(x, M, K);
const wq = quantizeColumns(w, K, N);
const packed = toMatMulNBits(quantizeRtn(w, K, N, G));

const fp32 = timeIt(() => matmulAccumulate(new Float32Array(M * N), x, w, M, K, N), {
  repeat: 31,
  warmup: 5,
});
const int8 = timeIt(() => int8Matmul(xq.q, wq.q, M, K, N), { repeat: 31, warmup: 5 });

const mmi = await loadModel(
  new GraphBuilder("matmul-integer")
    .input("A", "int8", [M, K])
    .initializer("B", { type: "int8", data: wq.q, dims: [K, N] })
    .node("MatMulInteger", ["A", "B"], ["Y"])
    .output("Y", "int32", [M, N])
    .toModel({ opset: 21 }),
);
const mmiFeeds = mmi.toOrtFeeds({ A: { type: "int8", data: xq.q, dims: [M, K] } });
const ortInt8 = await timeItAsync(() => mmi.session.run(mmiFeeds), { repeat: 31, warmup: 5 });

const nb = K / G;
const mnb = await loadModel(
  new GraphBuilder("matmul-nbits")
    .input("A", "float32", [M, K])
    .initializer("B", { type: "uint8", data: packed.B, dims: [N, nb, G / 2] })
    .initializer("S", { type: "float32", data: packed.scales, dims: [N * nb] })
    .initializer("Z", { type: "uint8", data: packed.zeroPoints, dims: [packed.zeroPoints.length] })
    .node(
      "MatMulNBits",
      ["A", "B", "S", "Z"],
      ["Y"],
      { K, N, bits: 4, block_size: G },
      { domain: "com.microsoft" },
    )
    .output("Y", "float32", [M, N])
    .toModel({ opset: 21, extraOpsets: { "com.microsoft": 1 } }),
);
const mnbFeeds = mnb.toOrtFeeds({ A: f32(x, [M, K]) });
const ortInt4 = await timeItAsync(() => mnb.session.run(mnbFeeds), { repeat: 31, warmup: 5 });
mmi.release();
mnb.release();

console.log(`[${M}, ${K}] × [${K}, ${N}], median ms\n`);
console.log(
  table(
    ["kernel", "ms"],
    [
      ["TS fp32 (matmulAccumulate)", fp32.toFixed(3)],
      ["TS int8 → int32", int8.toFixed(3)],
      ["ORT MatMulInteger", ortInt8.toFixed(3)],
      ["ORT MatMulNBits INT4 g32", ortInt4.toFixed(3)],
    ],
  ),
);
console.log(ratioLine("ts-int8 / ts-fp32", int8 / fp32));
console.log(ratioLine("ts-fp32 / ort-matmulinteger", fp32 / ortInt8));
console.log(ratioLine("ts-fp32 / ort-matmulnbits", fp32 / ortInt4));
