import { describe, expect, it } from "vitest";
import { checkpointDir, forwardPass, KVCache, linearForward, loadSpecimen } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { batchInvariantLinear, runBatch, padRows } from "../src/model-runner.ts";
import { KVPool } from "../src/paged-attention.ts";

const rng = new Rng(3);
const K = 16;
const N = 8;
const W = { weight: Float32Array.from({ length: K * N }, () => rng.normal(0, 1)), bias: new Float32Array(N) };
const rows = Float32Array.from({ length: 5 * K }, () => rng.normal(0, 1)); // 5 input rows

// Row `r` of x·W computed inside a batch of the given rows (their indices into `rows`).
function rowIn(batch: number[], r: number, linear: (x: Float32Array, n: number) => Float32Array) {
  const x = new Float32Array(batch.length * K);
  batch.forEach((b, i) => x.set(rows.subarray(b * K, (b + 1) * K), i * K));
  const y = linear(x, batch.length);
  const i = batch.indexOf(r);
  return Array.from(y.subarray(i * N, (i + 1) * N));
}

describe("batch invariance (model-runner.ts)", () => {
  it("pads to the matmul's 4-row blocks: 1 → 4, 4 → 4, 5 → 8", () => {
    expect([padRows(1), padRows(4), padRows(5)]).toEqual([4, 4, 8]);
  });

  it("the plain kernel gives a row other last bits as the 5th row of a batch than as the 1st", () => {
    // rows 0–3 take the 4-row path (four products summed, then rounded), row 4 the one-row
    // path (rounded after every product): the same dot products, other roundings
    const plain = (x: Float32Array, n: number) => {
      const y = new Float32Array(n * N);
      linearForward(y, x, W.weight, W.bias, n, K, N);
      return y;
    };
    expect(rowIn([0, 1, 2, 3, 4], 4, plain)).not.toEqual(rowIn([4, 0, 1, 2, 3], 4, plain));
  });

  it("the padded linear gives every row the same bits in any batch, alone included", () => {
    const hook = batchInvariantLinear([], new Int32Array(8).fill(-1));
    const padded = (x: Float32Array, n: number) => hook(0, "c_fc", x, n, K, N, W);
    const alone = rowIn([4], 4, padded);
    expect(rowIn([0, 1, 2, 3, 4], 4, padded)).toEqual(alone);
    expect(rowIn([4, 0, 1, 2, 3], 4, padded)).toEqual(alone);
    expect(rowIn([2, 4], 4, padded)).toEqual(alone);
  });
});

describe("runBatch: one forward for requests at different positions", () => {
  it("gives each request the logits it gets alone, bit for bit", () => {
    // request A: 5 prompt tokens; request B: 3 tokens cached, 2 new. One step runs A's whole
    // prompt and B's 2 new tokens as 7 rows; each samples from its last row.
    const m = loadSpecimen(checkpointDir("llama"));
    const c = m.config as { num_hidden_layers: number; num_key_value_heads: number; head_dim: number };
    const pool = new KVPool(c.num_hidden_layers, c.num_key_value_heads, c.head_dim, 8, 4);
    const A = [11, 12, 13, 14, 15];
    const B = [21, 22, 23, 24, 25];
    // B's first 3 tokens in blocks [3] first (a step of its own)
    runBatch(
      m,
      pool,
      [{ table: [3, 4], start: 0, count: 3, row: 0, tokens: B.slice(0, 3), adapter: -1, sample: false }],
      [],
    );
    const both = runBatch(
      m,
      pool,
      [
        { table: [0, 1], start: 0, count: 5, row: 0, tokens: A, adapter: -1, sample: true },
        { table: [3, 4], start: 3, count: 2, row: 5, tokens: B.slice(3), adapter: -1, sample: true },
      ],
      [],
    );
    const V = m.config.vocab_size;
    const aloneA = runBatch(
      m,
      new KVPool(c.num_hidden_layers, c.num_key_value_heads, c.head_dim, 8, 4),
      [{ table: [0, 1], start: 0, count: 5, row: 0, tokens: A, adapter: -1, sample: true }],
      [],
    );
    expect(Array.from(both.subarray(0, V))).toEqual(Array.from(aloneA));
    // and against the specimen's own forward with its contiguous cache (to float error: its
    // linears are not padded)
    const cache = KVCache.for(m.config, 1, 8);
    const ref = forwardPass(m, B, 1, 5, { cache });
    const last = ref.subarray(4 * V, 5 * V);
    let diff = 0;
    for (let i = 0; i < V; i++) diff = Math.max(diff, Math.abs(last[i] - both[V + i]));
    expect(diff).toBeLessThan(1e-4);
  });
});
