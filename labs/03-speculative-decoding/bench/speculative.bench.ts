// npx tsx bench/speculative.bench.ts   (or: npm run bench -- --only labs/03-speculative-decoding)
//
// Wall-clock greedy decoding of 100 tokens on three prompts: target-only vs
// speculative with the specimen draft (γ = 1, 2, 3, 4, 6) and with prompt lookup (γ = 4).
// Both sides use lab 02's forwardWithCache, one thread, so the ratio measures the
// algorithm. Prints `ratio …` lines (> 1 means speculative is faster).

import { checkpointDir, loadCheckpoint } from "@llm-labs/model";
import { ratioLine, table, timeIt } from "@llm-labs/kit";
import { ModelDrafter } from "../src/drafters.ts";
import { PromptLookupDrafter } from "../src/prompt-lookup.ts";
import { acceptanceRate, speculativeGenerate, tokensPerStep, type SpeculativeStats } from "../src/speculative.ts";
import { targetOnlyGreedy } from "../src/baseline.ts";
import type { Drafter } from "../src/drafters.ts";

const target = loadCheckpoint(checkpointDir("target"));
const draft = loadCheckpoint(checkpointDir("draft"));
const bytes = (s: string) => Array.from(Buffer.from(s));
const prompts = [bytes("Once upon a time, there was a brave panda named"), bytes("从前，有一只勇敢的熊猫"), bytes("The little fox found a red ball. The little fox")];
const NEW = 100;

// The machine may be shared: time target-only and speculative back to back in
// every repeat, so both see the same load, and report the median of the ratios.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const baseline = () => {
  for (const p of prompts) targetOnlyGreedy(target, p, NEW);
};
const rows: (string | number)[][] = [];
const lines: string[] = [];
let bestName = "", bestRatio = 0;
const run = (name: string, make: () => Drafter, gamma: number) => {
  let total: SpeculativeStats = { steps: 0, drafted: 0, accepted: 0, examined: 0, emitted: 0, draftForwards: 0 };
  const spec = () => {
    total = { steps: 0, drafted: 0, accepted: 0, examined: 0, emitted: 0, draftForwards: 0 };
    for (const p of prompts) {
      const r = speculativeGenerate(target, make(), p, { maxNewTokens: NEW, gamma, temperature: 0 });
      for (const k of Object.keys(total) as (keyof SpeculativeStats)[]) total[k] += r.stats[k];
    }
  };
  const ratios: number[] = [], specMs: number[] = [], baseMs: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const b = timeIt(baseline, { repeat: 1, warmup: rep === 0 ? 1 : 0 });
    const s = timeIt(spec, { repeat: 1, warmup: rep === 0 ? 1 : 0 });
    baseMs.push(b); specMs.push(s); ratios.push(b / s);
  }
  const ratio = median(ratios);
  if (ratio > bestRatio) [bestName, bestRatio] = [`${name} γ=${gamma}`, ratio];
  const tps = (ms: number) => ((total.emitted / ms) * 1000).toFixed(0);
  rows.push([name, gamma, acceptanceRate(total).toFixed(3), tokensPerStep(total).toFixed(2), tps(median(baseMs)), tps(median(specMs)), `${ratio.toFixed(2)}x`]);
  lines.push(ratioLine(`${name.replace(/ /g, "-")}-g${gamma} speculative/target-only`, ratio));
};
for (const g of [1, 2, 3, 4, 6]) run("draft model", () => new ModelDrafter(draft), g);
run("prompt lookup", () => new PromptLookupDrafter(target.config.vocab_size), 4);

console.log(`greedy, ${prompts.length} prompts × ${NEW} new tokens; median of 5 back-to-back pairs\n`);
console.log(table(["drafter", "γ", "α̂", "tokens/call", "target-only tok/s", "speculative tok/s", "speedup"], rows));
console.log(`\nbest: ${bestName} at ${bestRatio.toFixed(2)}x`);
console.log("");
for (const l of lines) console.log(l);
