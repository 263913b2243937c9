// One forward pass of the engine: every scheduled request's new tokens as one batch.
//
// The specimen's loop (packages/model's forwardPass) does all the work; this file only
// hands it the hooks a server needs:
//
//   positions   each row at its own request's position (requests are at different lengths)
//   cache       batchStore: each row's k, v into its request's blocks
//   attention   pagedAttention: each request's queries over its own positions
//   linear      the batch-invariant linear, with each row's LoRA adapter (S-LoRA)
//   logitRows   only the rows that sample a token: the last row of each request whose
//               known tokens are now all computed (a prefill chunk in the middle samples nothing)
//
// Batch invariance. The tensor package's matmul computes rows four at a time, summing four
// products before each rounding, and the rows left over (rows mod 4) one product at a time:
// a row's last bits depend on where it sits in the batch. Then a request's greedy tokens could
// depend on who else is being served, which no user would accept (He et al. 2025, "Defeating
// Nondeterminism in LLM Inference", make the same point about GPU kernels). So every linear
// pads its rows to a multiple of 4 with zero rows: each real row then takes the 4-row path,
// whatever the batch. It costs nothing at one row (one row costs what four do in that kernel;
// the lab's README measures it) and at most three wasted rows otherwise.
//
// Multi-LoRA (Sheng et al. 2023, S-LoRA; Chen et al. 2023, Punica): lab 05's multiLoraLinear
// runs the base matmul once for every row and each adapter's low-rank path on its own rows.

import { type AnySpecimen, forwardPass, linearForward, type LinearHook } from "@llm-labs/model";
import { multiLoraLinear, type Adapter, type LoraWeights } from "@llm-labs/lab-lora";
import { batchStore, type KVPool, pagedAttention, type Segment } from "./paged-attention.ts";

export interface Chunk extends Segment {
  tokens: readonly number[]; // the request's token ids at positions start … start+count−1
  adapter: number; // index into the engine's adapter list, −1: the base model
  sample: boolean; // wants the logits of its last row
}

const ROW_BLOCK = 4; // the matmul kernel's row blocking (packages/tensor/src/matmul.ts)

export function padRows(rows: number): number {
  return Math.ceil(rows / ROW_BLOCK) * ROW_BLOCK;
}

// A linear hook whose rows do not see each other: pad to a multiple of 4 rows, then the
// base matmul (and each row's adapter, when there are adapters).
export function batchInvariantLinear(adapters: readonly Adapter[], rowAdapter: Int32Array): LinearHook {
  // per (layer, linear): each adapter's LoraWeights, or undefined where it does not adapt it
  const lookup = new Map<string, (LoraWeights | undefined)[]>();
  const lorasOf = (layer: number, name: string) => {
    const key = `${layer}.${name}`;
    let l = lookup.get(key);
    if (!l) {
      l = adapters.map((a) => a.entries.find((e) => e.layer === layer && e.target === name)?.lora);
      lookup.set(key, l);
    }
    return l;
  };
  return (layer, name, x, rows, K, N, W) => {
    const R = padRows(rows);
    const X = new Float32Array(R * K);
    X.set(x.subarray(0, rows * K));
    const Y = new Float32Array(R * N);
    const loras = adapters.length > 0 ? lorasOf(layer, name) : [];
    if (loras.some((l) => l !== undefined)) {
      const rowsAdapter = new Int32Array(R).fill(-1);
      rowsAdapter.set(rowAdapter.subarray(0, rows));
      multiLoraLinear(Y, X, W.weight as Float32Array, W.bias as Float32Array, loras, rowsAdapter, R, K, N);
    } else linearForward(Y, X, W.weight, W.bias, R, K, N);
    return Y.subarray(0, rows * N);
  };
}

// Logits [samples, V] for the chunks with `sample`, in chunk order.
export function runBatch(
  model: AnySpecimen,
  pool: KVPool,
  chunks: readonly Chunk[],
  adapters: readonly Adapter[],
): Float32Array {
  const rows = chunks.reduce((n, c) => n + c.count, 0);
  const ids = new Int32Array(rows);
  const positions = new Int32Array(rows);
  const rowAdapter = new Int32Array(rows);
  const logitRows: number[] = [];
  for (const c of chunks) {
    for (let t = 0; t < c.count; t++) {
      ids[c.row + t] = c.tokens[t];
      positions[c.row + t] = c.start + t;
      rowAdapter[c.row + t] = c.adapter;
    }
    if (c.sample) logitRows.push(c.row + c.count - 1);
  }
  return forwardPass(model, ids, 1, rows, {
    positions,
    cache: batchStore(pool, chunks),
    attention: pagedAttention(pool, chunks),
    linear: batchInvariantLinear(adapters, rowAdapter),
    logitRows: Int32Array.from(logitRows),
  }) as Float32Array;
}
