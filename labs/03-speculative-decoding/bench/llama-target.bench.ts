// npx tsx bench/llama-target.bench.ts   (or: npm run bench -- --only labs/03-speculative-decoding)
//
// The GPT-2 draft (2 layers × 64) drafting for two targets of the same width and
// depth, trained on the same corpus with the same tokenizer:
//
//   GPT-2 target: 4 layers × 128, 4 heads, LayerNorm, GELU, learned positions
//   Llama target: 4 layers × 128, 8 query / 2 KV heads, RMSNorm, SwiGLU, RoPE
//
// α depends on how often the draft's distribution agrees with the target's, not
// on what the target is built from. Both engines (lab 02's TypeScript forward
// with its KV cache; the committed onnx/model.onnx in ONNX Runtime, 1 thread),
// greedy and sampling at temperature 1, the four held-out prompts of
// speculative.bench.ts, up to 100 new tokens. The baseline uses the same
// CachedLM: target-only greedy, or for sampling the same loop with a drafter
// that proposes nothing (one target call per token), both for exactly 100 tokens
// per prompt. Paired back-to-back runs,
// median ratio (5 pairs for TS, 15 for ORT). Prints `ratio …` lines; > 1 means
// speculative is faster.

import {
  END_OF_TEXT,
  HELDOUT_SEED,
  checkpointDir,
  generateCorpus,
  forwardPass,
  heldoutTokens,
  loadCheckpoint,
  loadSpecimen,
  loadTransformersTokenizer,
  type AnySpecimen,
} from "@llm-labs/model";
import { argmax } from "@llm-labs/tensor";
import { median, ratioLine, table } from "@llm-labs/kit";
import { toProbs } from "../src/distributions.ts";
import { ModelDrafter, type Drafter } from "../src/drafters.ts";
import { TsLM, type CachedLM } from "../src/lm.ts";
import { OrtLM } from "../src/ort-lm.ts";
import {
  acceptanceRate,
  speculativeGenerate,
  tokensPerStep,
  type SpeculativeStats,
} from "../src/speculative.ts";
import { targetOnlyGreedy } from "../src/baseline.ts";
import { expectedTokensPerStep, speedupWithVerifyCost } from "../src/theory.ts";
import { forwardCost, pairedCost } from "../src/costs.ts";

const NEW = 100;
const tok = await loadTransformersTokenizer(checkpointDir("target"));
const encode = (s: string) => tok.encode(s, { add_special_tokens: false }) as number[];
const prompts = generateCorpus(HELDOUT_SEED, 3000)
  .split(END_OF_TEXT)
  .slice(0, 2)
  .flatMap((story) => story.split("\n").map((half) => encode(half).slice(0, 20)));

// A drafter that proposes nothing: the speculative loop then makes one target
// call per token and samples it from p, i.e. plain target-only sampling.
const noDraft: Drafter = {
  vocabSize: 1024,
  forwards: 0,
  propose: () => ({ tokens: [], qs: [] }),
  rollback: () => {},
};

const engines = {
  TS: {
    draft: new TsLM(loadCheckpoint(checkpointDir("draft"))),
    targets: {
      "GPT-2": new TsLM(loadCheckpoint(checkpointDir("target"))),
      Llama: new TsLM(loadSpecimen(checkpointDir("llama"))),
    },
    gammas: [4],
    pairs: 5,
  },
  ORT: {
    draft: await OrtLM.named("draft"),
    targets: { "GPT-2": await OrtLM.named("target"), Llama: await OrtLM.named("llama") },
    gammas: [2, 4],
    pairs: 15,
  },
};

// ------------------------------------------------------------ how much the distributions agree
// Teacher-forced on the same held-out text (8 windows of 128 tokens, the draft's
// context), so both targets are judged on identical contexts:
//   Σ_x min(p(x), q(x)) = 1 − TV(p, q)   the acceptance probability of one draft at T = 1
//   argmax q = argmax p                   the acceptance of one greedy draft
// The decoding runs below measure α on each target's OWN output, a different text per target.
const held = await heldoutTokens(8 * 128);
const draftModel = loadCheckpoint(checkpointDir("draft"));
const agreement = (target: AnySpecimen) => {
  let overlap = 0;
  let same = 0;
  let n = 0;
  for (let w = 0; w < 8; w++) {
    const ids = Array.from(held.slice(w * 128, (w + 1) * 128));
    const lp = forwardPass(target, ids, 1, 128) as Float32Array;
    const lq = forwardPass(draftModel, ids, 1, 128) as Float32Array;
    for (let t = 0; t < 128; t++) {
      const rp = lp.subarray(t * 1024, (t + 1) * 1024);
      const rq = lq.subarray(t * 1024, (t + 1) * 1024);
      const p = toProbs(rp, { temperature: 1 });
      const q = toProbs(rq, { temperature: 1 });
      for (let x = 0; x < 1024; x++) overlap += Math.min(p[x], q[x]);
      if (argmax(rp) === argmax(rq)) same++;
      n++;
    }
  }
  return { overlap: overlap / n, same: same / n };
};
const agreeRows = (
  [
    ["GPT-2 target", loadCheckpoint(checkpointDir("target"))],
    ["Llama", loadSpecimen(checkpointDir("llama"))],
  ] as const
).map(([name, m]) => {
  const a = agreement(m);
  return [name, a.overlap.toFixed(3), a.same.toFixed(3)];
});
console.log(`the draft against each target on ${held.length} held-out tokens, teacher-forced:\n`);
console.log(table(["target", "mean Σ min(p, q)  (α at T=1)", "argmax agrees  (α greedy)"], agreeRows));
console.log("");

// ------------------------------------------------------------ what one call costs (position 64)
const seq = prompts.flat();
const prefix = seq.slice(0, 64);
const oneToken = (lm: CachedLM) => forwardCost(lm, prefix, seq.slice(64, 65));
const costs = new Map<string, { c: number; draftMs: number; targetMs: number; v: Map<number, number> }>();
const costRows: (string | number)[][] = [];
for (const [engine, e] of Object.entries(engines))
  for (const [name, target] of Object.entries(e.targets)) {
    const c = await pairedCost(oneToken(e.draft), oneToken(target));
    const v = new Map<number, number>();
    for (const g of e.gammas)
      v.set(
        g,
        (await pairedCost(forwardCost(target, prefix, seq.slice(64, 65 + g)), oneToken(target))).ratio,
      );
    costs.set(`${engine} ${name}`, { c: c.ratio, draftMs: c.a, targetMs: c.b, v });
    costRows.push([
      engine,
      name,
      `${(c.b * 1000).toFixed(0)} µs`,
      `${(c.a * 1000).toFixed(0)} µs`,
      c.ratio.toFixed(3),
      e.gammas.map((g) => `${v.get(g)!.toFixed(2)} (γ=${g})`).join(", "),
    ]);
  }
console.log("one call at position 64, median of 21 paired rounds (src/costs.ts):\n");
console.log(table(["engine", "target", "target call", "draft call", "c", "v"], costRows));

// ------------------------------------------------------------ the runs
const rows: (string | number)[][] = [];
const lines: string[] = [];
for (const [engine, e] of Object.entries(engines))
  for (const temperature of [0, 1])
    for (const gamma of e.gammas)
      for (const [name, target] of Object.entries(e.targets)) {
        const mode = temperature === 0 ? "greedy" : "T=1";
        const drafter = new ModelDrafter(e.draft);
        let total!: SpeculativeStats;
        const run = async (d: Drafter) => {
          const sum = { steps: 0, drafted: 0, accepted: 0, examined: 0, emitted: 0, draftForwards: 0 };
          for (const [i, p] of prompts.entries()) {
            // Sampled runs do not stop at the end-of-text token: baseline and speculative
            // draw different samples, and both must produce the same number of tokens.
            const r = await speculativeGenerate(target, d, p, {
              maxNewTokens: NEW,
              gamma,
              temperature,
              seed: i,
              stopAtEos: temperature === 0,
            });
            for (const k of Object.keys(sum) as (keyof SpeculativeStats)[]) sum[k] += r.stats[k];
          }
          return sum;
        };
        const baseline = async () => {
          if (temperature === 0) for (const p of prompts) await targetOnlyGreedy(target, p, NEW);
          else await run(noDraft);
        };
        const spec = async () => {
          total = await run(drafter);
        };
        await baseline();
        await spec(); // warm up both
        const ratios: number[] = [];
        for (let rep = 0; rep < e.pairs; rep++) {
          let t0 = performance.now();
          await baseline();
          const base = performance.now() - t0;
          t0 = performance.now();
          await spec();
          ratios.push(base / (performance.now() - t0));
        }
        const ratio = median(ratios);
        const a = acceptanceRate(total);
        const tps = tokensPerStep(total);
        const k = costs.get(`${engine} ${name}`)!;
        rows.push([
          engine,
          name,
          mode,
          gamma,
          a.toFixed(3),
          tps.toFixed(2),
          expectedTokensPerStep(a, gamma).toFixed(2),
          k.c.toFixed(3),
          `${ratio.toFixed(2)}x`,
          `${speedupWithVerifyCost(a, gamma, k.c, k.v.get(gamma)!).toFixed(2)}x`,
        ]);
        lines.push(
          ratioLine(
            `${engine.toLowerCase()}-draft-to-${name.toLowerCase()}-${temperature === 0 ? "greedy" : "t1"}-g${gamma} speculative/target-only`,
            ratio,
          ),
        );
      }

console.log(
  `\n${prompts.length} held-out prompts × up to ${NEW} new tokens; the GPT-2 draft drafting in the same engine as its target\n`,
);
console.log(
  table(
    ["engine", "target", "mode", "γ", "α̂", "tokens/call", "(1−α^(γ+1))/(1−α)", "c", "speedup", "T/(γc+v)"],
    rows,
  ),
);
console.log("");
for (const l of lines) console.log(l);
await Promise.all([engines.ORT.draft, ...Object.values(engines.ORT.targets)].map((m) => m.release()));
