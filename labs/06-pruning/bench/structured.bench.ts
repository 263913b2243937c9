// npx tsx bench/structured.bench.ts   (or: npm run bench -- --only labs/06-pruning)
//
// Tokens per second of a full forward pass over one 128-token window (prefill),
// one thread: the specimen (packages/model's forward), the same weights through
// our slim forward with every unit kept (the control: same code as the pruned
// models, so "pruned / control" is the gain that removing units buys), and the
// structurally pruned models, whose matrices are really smaller.
//
// The variants are timed in interleaved rounds (one call each per round, median
// over rounds), so a burst of load from another process hits them all alike.

import {
  calibrationInputs,
  checkpointDir,
  forward,
  loadCheckpoint,
  trainTokens,
  heldoutTokens,
} from "@llm-labs/model";
import { median, ratioLine, table } from "@llm-labs/kit";
import { pruneStructured, slimForward, slimParamCount, toSlim } from "../src/structured.ts";

const model = loadCheckpoint(checkpointDir("target"));
const calib = calibrationInputs(model, await trainTokens(512));
const ids = (await heldoutTokens(128)).slice(0, 128);
const T = ids.length;
const ROUNDS = 21;
const WARMUP = 3;

const control = toSlim(model);
const variants: [string, string, () => unknown, number][] = [
  ["dense (packages/model forward)", "specimen", () => forward(model, ids, 1, T), slimParamCount(control)],
  ["slim, every unit kept (control)", "control", () => slimForward(control, ids), slimParamCount(control)],
];
for (const [name, tag, headsRemoved, channelsRemoved] of [
  ["MLP −50 % channels", "mlp-half", 0, 256],
  ["1 of 4 heads removed", "one-head", 1, 0],
  ["1 head + MLP −50 %", "one-head-mlp-half", 1, 256],
] as const) {
  const slim = pruneStructured(model, calib, { headsRemoved, channelsRemoved, compensate: true });
  variants.push([name, tag, () => slimForward(slim, ids), slimParamCount(slim)]);
}

const times = variants.map(() => [] as number[]);
for (let r = 0; r < WARMUP + ROUNDS; r++)
  variants.forEach(([, , fn], i) => {
    const t0 = performance.now();
    fn();
    if (r >= WARMUP) times[i].push(performance.now() - t0);
  });
const ms = times.map(median);

console.log(`one window of ${T} tokens, median of ${ROUNDS} interleaved rounds\n`);
console.log(
  table(
    ["model", "parameters", "ms", "tokens/s"],
    variants.map(([name, , , params], i) => [
      name,
      params.toLocaleString("en-US"),
      ms[i].toFixed(2),
      ((T / ms[i]) * 1000).toFixed(0),
    ]),
  ),
);
// tokens/s ratio = time ratio inverted: control / pruned
console.log(ratioLine("tokens/s control / specimen", ms[0] / ms[1]));
variants.slice(2).forEach(([, tag], i) => {
  console.log(ratioLine(`tokens/s ${tag} / control`, ms[1] / ms[i + 2]));
  console.log(ratioLine(`tokens/s ${tag} / specimen`, ms[0] / ms[i + 2]));
});
