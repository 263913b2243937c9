// npx tsx bench/long-context.bench.ts   (or: npm run bench -- --only labs/07-llama)
//
// The Llama specimen (trained on windows of 512) scored on windows of 512, 1024 and 2048
// held-out tokens, with RoPE as trained or stretched by factor s = window / 512: position
// interpolation, NTK-aware (fixed base), HF's dynamic NTK, YaRN. The same 4,097 held-out tokens
// for every cell (8, 4 or 2 windows). Then the loss at 2048 by position range: where it breaks.
// Writes plots/long-context.svg. Single-threaded; about 90 s on a laptop core.

import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { ratioLine, svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import { checkpointDir, heldoutTokens, isLlama, loadSpecimen } from "@llm-labs/model";
import {
  METHODS,
  TRAINED_CONTEXT,
  bucketLoss,
  perplexity,
  positionBuckets,
  stretched,
  windowLoss,
} from "../src/long-context.ts";

const WINDOWS = [512, 1024, 2048];
const LONGEST = WINDOWS[WINDOWS.length - 1];
const BUCKET = 128; // positions per point of the plot

const t0 = performance.now();
const model = loadSpecimen(checkpointDir("llama"));
if (!isLlama(model)) throw new Error("checkpoints/llama is not a Llama");
const tokens = await heldoutTokens(2 * LONGEST + 1); // two windows of 2048, each with its next token

// At factor 1 every method is no scaling (test/long-context.test.ts), so 512 is scored once.
const at512 = windowLoss(stretched(model, "none", 1), tokens, TRAINED_CONTEXT);
const rows: (string | number)[][] = [];
const ppl2048 = new Map<string, number>();
const series: { name: string; points: [number, number][] }[] = [];
for (const method of METHODS) {
  const ppl = [perplexity(at512)];
  let longest = at512;
  for (const T of WINDOWS.slice(1)) {
    longest = windowLoss(stretched(model, method, T / TRAINED_CONTEXT), tokens, T);
    ppl.push(perplexity(longest));
  }
  ppl2048.set(method, ppl[ppl.length - 1]);
  rows.push([
    method,
    ...ppl.map((p) => Number(p.toFixed(3))),
    Number(bucketLoss(longest, 0, 512).toFixed(3)),
    Number(bucketLoss(longest, 512, 1024).toFixed(3)),
    Number(bucketLoss(longest, 1024, 2048).toFixed(3)),
    Number(bucketLoss(longest, 512, 2048).toFixed(3)),
  ]);
  series.push({
    name: method,
    points: positionBuckets(longest, BUCKET).map((l, i): [number, number] => [(i + 0.5) * BUCKET, l]),
  });
}

console.log(
  `Llama specimen (trained context ${TRAINED_CONTEXT}), ${tokens.length} held-out tokens; factor s = window / ${TRAINED_CONTEXT}`,
);
console.log(
  table(
    [
      "method",
      "ppl @512",
      "ppl @1024",
      "ppl @2048",
      "loss 0–511 @2048",
      "loss 512–1023 @2048",
      "loss 1024–2047 @2048",
      "loss past 512 @2048",
    ],
    rows,
  ),
);
const out = join(import.meta.dirname, "..", "plots", "long-context.svg");
writeSvg(
  out,
  svgLinePlot({
    title: `Llama specimen on windows of ${LONGEST} (trained on ${TRAINED_CONTEXT}): loss by position`,
    xLabel: `position (mean over buckets of ${BUCKET})`,
    yLabel: "loss (nats/token)",
    series,
  }),
);
console.log(`wrote ${out}`);
for (const method of METHODS.slice(1))
  console.log(
    ratioLine(`ppl@2048 none/${method.replace(" ", "-")}`, ppl2048.get("none")! / ppl2048.get(method)!),
  );
console.log(`long-context bench: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
