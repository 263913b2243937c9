// npx tsx bench/recompute.bench.ts   (or: npm run bench -- --only labs/08-training)
//
// Activation recomputation on the target-sized GPT-2 (n_layer 4, n_head 4, n_embd 128), one
// training step's loss and gradients (src/recompute.ts) in each mode:
//   - the activation bytes each block keeps for its backward, measured by the step's
//     ActivationMeter, next to our fp32 formula and Korthikanti et al.'s fp16 one (src/memory.ts);
//   - the peak of the whole step (blocks, head and recomputation buffers; src/recompute.ts says
//     exactly what is counted) and when it happens;
//   - the time per step and its overhead over "none": median of rounds that interleave the
//     modes (none, selective, full, none, …), so a busy core spoils all modes alike; next to
//     the overhead the recomputation should cost, from the time of what it recomputes (a whole
//     forward pass for "full", gptAttentionProbs of every block for "selective"), timed in the
//     same rounds.
// At B = 4, T = 128 on the trained target, then at B = 1, T = 512 (the same 512 tokens per
// step) on an untrained model of the target's shape with 512 positions: the a·s/h term
// quadruples and the attention probabilities become half of what a block keeps.
// Single-threaded; under a minute on a quiet 2-core machine.

import { performance } from "node:perf_hooks";
import { median, ratioLine, table } from "@llm-labs/kit";
import {
  checkpointDir,
  createGPT,
  forward,
  type GPT,
  gptAttentionProbs,
  headDim,
  loadCheckpoint,
  makeConfig,
  trainTokens,
  zeroGrads,
} from "@llm-labs/model";
import { activationBytesPerLayer, type Recompute } from "../src/memory.ts";
import { lossAndGradsRecompute, ourActivationBytesPerLayer, type RecomputeResult } from "../src/recompute.ts";

const MODES: Recompute[] = ["none", "selective", "full"];
const ROUNDS = 4;
const tokens = await trainTokens(20_000);
const t0 = performance.now();

interface Row {
  mode: Recompute;
  r: RecomputeResult;
  ms: number;
}

function run(model: GPT, B: number, T: number, label: string): Row[] {
  const c = model.config;
  const x = tokens.slice(0, B * T);
  const y = tokens.slice(1, B * T + 1);
  const grads = zeroGrads(model);
  const step = (mode: Recompute) => {
    grads.flat.fill(0);
    return lossAndGradsRecompute(model, x, y, B, T, grads, mode);
  };
  // what recomputation redoes, timed alone: the forward pass, and P of every block from kept qkv
  const acts = forward(model, x, B, T);
  const P = new Float32Array(B * c.n_head * T * T);
  const probs = () => {
    for (const L of acts.layers) gptAttentionProbs(P, L.qkv, B, T, c.n_head, headDim(c));
  };
  const results = new Map<Recompute, RecomputeResult>();
  const times = new Map<string, number[]>();
  const timed = (name: string, f: () => unknown) => {
    const s = performance.now();
    const out = f();
    const list = times.get(name) ?? [];
    list.push(performance.now() - s);
    times.set(name, list);
    return out;
  };
  for (const mode of MODES) results.set(mode, step(mode)); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODES) timed(mode, () => step(mode));
    timed("forward", () => forward(model, x, B, T, acts));
    timed("probs", probs);
  }
  const ms = (name: string) => median(times.get(name) ?? []);
  const shape = { s: T, b: B, h: c.n_embd, a: c.n_head };
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const predicted: Record<Recompute, number> = {
    none: 1,
    selective: 1 + ms("probs") / ms("none"),
    full: 1 + ms("forward") / ms("none"),
  };
  const rows = MODES.map((mode) => ({ mode, r: results.get(mode) as RecomputeResult, ms: ms(mode) }));
  console.log(`\n${label}: B = ${B}, T = ${T}, n_layer ${c.n_layer}, n_head ${c.n_head}, n_embd ${c.n_embd}`);
  console.log(
    table(
      [
        "mode",
        "kept per block, measured",
        "ours: fp32 formula",
        "Korthikanti: fp16 + masks",
        "peak of the step, measured",
        "peak at",
        "ms / step",
        "overhead",
        "expected",
      ],
      rows.map(({ mode, r, ms: t }) => [
        mode,
        kib(r.keptPerBlock[0]),
        kib(ourActivationBytesPerLayer(shape, mode)),
        kib(activationBytesPerLayer(shape, mode)),
        kib(r.peakBytes),
        r.peakAt,
        t.toFixed(0),
        `${(t / ms("none")).toFixed(2)}x`,
        `${predicted[mode].toFixed(2)}x`,
      ]),
    ),
  );
  const head = rows[0].r.keptHead;
  console.log(
    `the head keeps ${kib(head)} more (the last block's output, ln_f, logits [B·T, ${c.vocab_size}]); ` +
      `a forward pass alone ${ms("forward").toFixed(0)} ms, P of every block ${ms("probs").toFixed(0)} ms`,
  );
  return rows;
}

const target = loadCheckpoint(checkpointDir("target"));
const short = run(target, 4, 128, "the trained target");
const long = run(
  createGPT(makeConfig({ ...target.config, n_positions: 512 }), 1),
  1,
  512,
  "the target's shape with 512 positions (untrained)",
);

console.log(
  `\nmedian of ${ROUNDS} interleaved rounds after one warm-up step per mode, single-threaded; ` +
    `${((performance.now() - t0) / 1000).toFixed(0)} s. Times vary with the machine; the ratios less.`,
);
for (const [name, rows] of [
  ["T128", short],
  ["T512", long],
] as const) {
  const [none, selective, full] = rows;
  console.log(ratioLine(`recompute ${name} time full/none`, full.ms / none.ms));
  console.log(ratioLine(`recompute ${name} time selective/none`, selective.ms / none.ms));
  console.log(ratioLine(`recompute ${name} peak none/full`, none.r.peakBytes / full.r.peakBytes));
  console.log(ratioLine(`recompute ${name} peak none/selective`, none.r.peakBytes / selective.r.peakBytes));
}
