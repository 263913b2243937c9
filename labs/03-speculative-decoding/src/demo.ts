// npm run lab speculative-decoding
//
// The lab's story in one run: the verifier turns draft samples into target
// samples (a χ² test), greedy speculative decoding reproduces the target token
// for token, the measured cost ratio c, a sweep over γ measured against the
// paper's formulas, and drafting with no draft model at all.

import { fileURLToPath } from "node:url";
import { checkpointDir, loadCheckpoint, loadTransformersTokenizer } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { svgLinePlot, table, timeIt, writeSvg } from "@llm-labs/kit";
import { KVCache, forwardWithCache } from "@llm-labs/lab-attention-kv-cache";
import { speculativeStepFromDistributions } from "./verify.ts";
import { ModelDrafter } from "./drafters.ts";
import { PromptLookupDrafter } from "./prompt-lookup.ts";
import { acceptanceRate, speculativeGenerate, tokensPerStep, type SpeculativeStats } from "./speculative.ts";
import { targetOnlyGreedy } from "./baseline.ts";
import { expectedSpeedup, expectedTokensPerStep, speedupWithVerifyCost } from "./theory.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const t00 = performance.now();
const target = loadCheckpoint(checkpointDir("target"));
const draft = loadCheckpoint(checkpointDir("draft"));
const tok = await loadTransformersTokenizer(checkpointDir("target"));
const encode = (s: string) => tok.encode(s, { add_special_tokens: false }) as number[];
const prompts = ["Once upon a time, there was a brave panda named", "从前，有一只勇敢的熊猫", "The little fox found a red ball by the river. The little fox"].map(encode);
const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

// ------------------------------------------------------------------ 1. the verifier
heading("1. Draft samples in, target samples out (vocabulary of 8, γ = 2, 100k steps)");
const P = (...xs: number[]) => Float64Array.from(xs);
const p1 = P(0.05, 0.2, 0.15, 0.1, 0.2, 0.1, 0.1, 0.1), q1 = P(0.3, 0.1, 0.15, 0.25, 0.05, 0.1, 0.05, 0.0);
const p2 = P(0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.1, 0.1), q2 = P(0.2, 0.05, 0.05, 0.2, 0.1, 0.3, 0.05, 0.05);
const p3 = P(0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
const N = 100_000;
const counts = (residual?: (p: Float64Array, q: Float64Array) => Float64Array) => {
  const rng = new Rng(1234), c = new Array<number>(8).fill(0);
  for (let n = 0; n < N; n++) c[speculativeStepFromDistributions([p1, p2, p3], [q1, q2], rng, residual)[0]]++;
  return c;
};
const chi2 = (c: number[]) => c.reduce((s, o, i) => s + (o - p1[i] * N) ** 2 / (p1[i] * N), 0);
const good = counts(), bad = counts((p) => p);
console.log(table(["token", "q₁ (draft)", "p₁ (target)", "emitted (ours)", "emitted (residual = p)"],
  [...p1].map((p, i) => [i, q1[i].toFixed(2), p.toFixed(2), (good[i] / N).toFixed(4), (bad[i] / N).toFixed(4)])));
console.log(`χ² against p₁ (7 dof, reject above 24.32 = p-value 0.001): ours ${chi2(good).toFixed(1)}, wrong residual ${chi2(bad).toFixed(0)}`);

// ------------------------------------------------------------------ 2. greedy identity
heading("2. Greedy speculative decoding = target-only greedy, token for token");
const rows2: (string | number)[][] = [];
for (const ids of prompts) {
  const ref = targetOnlyGreedy(target, ids, 80);
  const { tokens, stats } = speculativeGenerate(target, new ModelDrafter(draft), ids, { maxNewTokens: 80, gamma: 4, temperature: 0 });
  rows2.push([JSON.stringify(tok.decode(ids)), tokens.length, same(tokens, ref) ? "yes" : "NO", acceptanceRate(stats).toFixed(3), tokensPerStep(stats).toFixed(2)]);
}
console.log(table(["prompt", "tokens", "identical", "α̂", "tokens / target call"], rows2));
const show = speculativeGenerate(target, new ModelDrafter(draft), prompts[0], { maxNewTokens: 60, gamma: 4, temperature: 0 }).tokens;
console.log(`text: ${JSON.stringify(tok.decode(show))}`);

// ------------------------------------------------------------------ 3. cost ratio c
heading("3. What a forward costs: the cost ratio c and the verify cost v");
const seq = [...prompts[0], ...show];
const P0 = 64; // time steps at position 64
const stepMs = (model: typeof target, T: number) => {
  const cache = KVCache.for(model.config);
  forwardWithCache(model, seq.slice(0, P0), cache);
  return timeIt(() => {
    cache.length = P0;
    forwardWithCache(model, seq.slice(P0, P0 + T), cache);
  }, { repeat: 15, warmup: 3 });
};
const tTarget = stepMs(target, 1), tDraft = stepMs(draft, 1);
const c = tDraft / tTarget;
const verifyCost = (gamma: number) => stepMs(target, gamma + 1) / tTarget;
console.log(`one-token step at position ${P0}: target ${tTarget.toFixed(3)} ms, draft ${tDraft.toFixed(3)} ms → c = ${c.toFixed(3)}`);
const vCost = new Map<number, number>();
for (let g = 1; g <= 8; g++) vCost.set(g, verifyCost(g));
const vs = [1, 2, 4, 8].map((g) => [g, g + 1, vCost.get(g)!.toFixed(2)]);
console.log(table(["γ", "tokens in verify forward", "v = verify / one-token step"], vs));
console.log("Leviathan et al. assume v = 1 (a GPU at batch 1 is memory-bound); our CPU matmuls are compute-bound, so v grows with γ.");

// ------------------------------------------------------------------ 4. γ sweep
heading("4. Sweep γ = 1 … 8 (greedy, 3 prompts × 100 tokens, one timed run each): measured vs predicted");
const baseMs = prompts.reduce((s, ids) => s + timeIt(() => targetOnlyGreedy(target, ids, 100), { repeat: 3, warmup: 0 }), 0);
const rows4: (string | number)[][] = [];
const tpsMeasured: [number, number][] = [], tpsPredicted: [number, number][] = [];
const spMeasured: [number, number][] = [], spPredicted: [number, number][] = [], spPredictedV: [number, number][] = [];
for (let gamma = 1; gamma <= 8; gamma++) {
  const total: SpeculativeStats = { steps: 0, drafted: 0, accepted: 0, examined: 0, emitted: 0, draftForwards: 0 };
  let ms = 0;
  for (const ids of prompts) {
    let stats!: SpeculativeStats;
    ms += timeIt(() => (stats = speculativeGenerate(target, new ModelDrafter(draft), ids, { maxNewTokens: 100, gamma, temperature: 0 }).stats), { repeat: 1, warmup: 0 });
    for (const k of Object.keys(total) as (keyof SpeculativeStats)[]) total[k] += stats[k];
  }
  const a = acceptanceRate(total), tps = tokensPerStep(total), pred = expectedTokensPerStep(a, gamma);
  const v = vCost.get(gamma)!;
  const sp = baseMs / ms, spPred = expectedSpeedup(a, gamma, c), spV = speedupWithVerifyCost(a, gamma, c, v);
  rows4.push([gamma, a.toFixed(3), tps.toFixed(2), pred.toFixed(2), `${(((tps - pred) / pred) * 100).toFixed(1)}%`, `${sp.toFixed(2)}x`, `${spPred.toFixed(2)}x`, `${spV.toFixed(2)}x`]);
  tpsMeasured.push([gamma, tps]); tpsPredicted.push([gamma, pred]);
  spMeasured.push([gamma, sp]); spPredicted.push([gamma, spPred]); spPredictedV.push([gamma, spV]);
}
console.log(table(["γ", "α̂", "tokens/call", "(1−α^(γ+1))/(1−α)", "Δ", "speedup (wall)", "S(α,γ,c)", "S with v"], rows4));
const here = fileURLToPath(new URL("../plots/", import.meta.url));
writeSvg(here + "tokens-per-call.svg", svgLinePlot({ title: "Tokens per target call: measured vs (1 − α^(γ+1)) / (1 − α)", xLabel: "γ (draft tokens per step)", yLabel: "tokens per target call",
  series: [{ name: "measured", points: tpsMeasured }, { name: "predicted", points: tpsPredicted }] }));
writeSvg(here + "speedup.svg", svgLinePlot({ title: "Wall-clock speedup over target-only greedy (CPU)", xLabel: "γ (draft tokens per step)", yLabel: "speedup",
  series: [{ name: "measured", points: spMeasured }, { name: "S(α,γ,c), v = 1", points: spPredicted }, { name: "with measured v", points: spPredictedV }] }));
console.log("wrote plots/tokens-per-call.svg and plots/speedup.svg");

// ------------------------------------------------------------------ 5. sampling
heading("5. Speculative sampling (temperature 1, γ = 4): the output follows the target, α drops");
for (const [i, ids] of prompts.entries()) {
  const { tokens, stats } = speculativeGenerate(target, new ModelDrafter(draft), ids, { maxNewTokens: 60, gamma: 4, temperature: 1, seed: i + 1 });
  console.log(`α̂ ${acceptanceRate(stats).toFixed(3)}, ${tokensPerStep(stats).toFixed(2)} tokens/call: ${JSON.stringify(tok.decode(tokens).slice(0, 70))}`);
}

// ------------------------------------------------------------------ 6. prompt lookup
heading("6. No draft model: prompt lookup (n-gram) drafting, same verifier, γ = 4");
const rows6: (string | number)[][] = [];
for (const ids of prompts) {
  const ref = targetOnlyGreedy(target, ids, 100);
  const { tokens, stats } = speculativeGenerate(target, new PromptLookupDrafter(target.config.vocab_size), ids, { maxNewTokens: 100, gamma: 4, temperature: 0 });
  rows6.push([JSON.stringify(tok.decode(ids)), same(tokens, ref) ? "yes" : "NO", stats.drafted, acceptanceRate(stats).toFixed(3), tokensPerStep(stats).toFixed(2)]);
}
console.log(table(["prompt", "identical", "drafted", "α̂", "tokens / target call"], rows6));
console.log(`\ndone in ${((performance.now() - t00) / 1000).toFixed(1)} s`);
