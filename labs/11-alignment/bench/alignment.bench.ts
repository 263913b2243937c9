// npx tsx bench/alignment.bench.ts   (or: npm run bench -- --only labs/11-alignment)
//
// The lab's results from one run (about 35 minutes on 2 cores), starting from the SFT
// checkpoint in data/sft:
//   1. preference pairs: four SFT samples per request, the judge's best against its worst
//      (requests whose samples all tie are dropped)
//   2. a reward model trained on them (Bradley–Terry), its held-out pair accuracy
//   3. DPO at three β, ORPO, GRPO with the judge's reward, PPO with the REWARD MODEL's score at
//      two KL coefficients and, as the control, PPO with the judge's; each from the SFT model,
//      each evaluated on 96 held-out requests: win-rate against the SFT model's answers,
//      exact-count share, KL from the reference, the share of degenerate sentences (fewer than
//      three words) and the reward model's mean score
//   4. the table and plots/frontier.svg (win-rate against KL, one point per setting)
// PPO optimises the learned reward model and is judged by the program: where the two
// disagree, that is reward hacking, and the table's last columns show it.

import { svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import { loadCheckpoint, type GPT } from "@llm-labs/model";
import { fileURLToPath } from "node:url";
import { cloneModel } from "../src/policy.ts";
import { createRewardModel, pairAccuracy, rewards, trainRewardModel } from "../src/reward-model.ts";
import { answerText, evaluatePolicy, promptIds, sampleAnswers, type Evaluation } from "../src/rollouts.ts";
import { packBatch } from "../src/sequences.ts";
import { preferencePairs, trainDpo, trainGrpo, trainOrpo, trainPpo } from "../src/stages.ts";
import { HELDOUT_SEED, PREFERENCE_SEED, requests, sentences } from "../src/task.ts";
import { loadTokenizer } from "../src/tokenizer.ts";
import { SFT_DIR } from "../src/sft.ts";

const plot = (name: string) => fileURLToPath(new URL(`../plots/${name}`, import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);

const sft = loadCheckpoint(SFT_DIR);
const tok = await loadTokenizer(SFT_DIR);
const train = requests(PREFERENCE_SEED, 384);
const heldout = requests(HELDOUT_SEED, 96);
const EVAL_SEED = 7;
const LR = 2e-5; // every stage's AdamW rate: at 1e-4 DPO moved 2 nats from the reference in 12 steps

// the SFT model's own answers to the held-out requests: what every method plays against
const sftAnswers = sampleAnswers(
  sft,
  heldout.map((r) => promptIds(tok, r.messages)),
  EVAL_SEED + 1,
).map((a) => answerText(tok, a));

// degenerate sentences: fewer than three words (". . ." is three sentences to the judge)
function degenerate(policy: GPT): number {
  const answers = sampleAnswers(
    policy,
    heldout.map((r) => promptIds(tok, r.messages)),
    EVAL_SEED,
  );
  let short = 0;
  let all = 0;
  for (const a of answers)
    for (const s of sentences(answerText(tok, a))) {
      all++;
      if (s.split(/\s+/).filter((w) => /\w/.test(w)).length < 3) short++;
    }
  return all === 0 ? 0 : short / all;
}

interface Row {
  method: string;
  setting: string;
  minutes: number;
  ev: Evaluation;
  degenerate: number;
  proxy: number; // the reward model's mean score of the policy's answers (what PPO maximises)
}
const rows: Row[] = [];

function measure(method: string, setting: string, policy: GPT, t0: number): void {
  const minutes = (performance.now() - t0) / 60_000;
  const ev = evaluatePolicy(policy, sft, sftAnswers, heldout, tok, EVAL_SEED);
  rows.push({ method, setting, minutes, ev, degenerate: degenerate(policy), proxy: proxyScore(policy) });
  log(
    `${method} ${setting}: win ${ev.winRate.toFixed(3)}, exact ${ev.exact.toFixed(3)}, KL ${ev.kl.toFixed(2)}, ${minutes.toFixed(1)} min`,
  );
}

// 1. pairs
let t0 = performance.now();
const pairs = preferencePairs(sft, tok, train, 1);
const heldPairs = preferencePairs(sft, tok, requests(HELDOUT_SEED + 1, 96), 2);
log(
  `pairs: ${pairs.length} of ${train.length} requests (ties dropped), ${heldPairs.length} held out, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);

// 2. the reward model
t0 = performance.now();
const rm = createRewardModel(sft, 1);
const asRm = (p: (typeof pairs)[number]) => ({ prompt: p.prompt, chosen: p.chosen, rejected: p.rejected });
const accBefore = pairAccuracy(rm, heldPairs.map(asRm));
trainRewardModel(rm, pairs.map(asRm), { steps: 48, batchPairs: 8, lr: 3e-4, seed: 1 });
const accAfter = pairAccuracy(rm, heldPairs.map(asRm));
log(
  `reward model: held-out pair accuracy ${accBefore.toFixed(3)} → ${accAfter.toFixed(3)}, ${((performance.now() - t0) / 60000).toFixed(1)} min`,
);

// the reward model's mean score of a policy's held-out answers
function proxyScore(policy: GPT): number {
  const prompts = heldout.map((r) => promptIds(tok, r.messages));
  const answers = sampleAnswers(policy, prompts, EVAL_SEED);
  let sum = 0;
  for (let s = 0; s < prompts.length; s += 16) {
    const batch = packRows(prompts.slice(s, s + 16), answers.slice(s, s + 16));
    for (const r of rewards(rm, batch)) sum += r;
  }
  return sum / prompts.length;
}
const packRows = (p: number[][], a: number[][]) =>
  packBatch(
    p.map((x, i) => ({ prompt: x, completion: a[i] })),
    tok.eosId,
  );

// 3. the methods
measure("SFT", "—", sft, performance.now());

for (const beta of [0.1, 0.3, 1]) {
  t0 = performance.now();
  const policy = cloneModel(sft);
  trainDpo(policy, sft, pairs, { steps: 60, lr: LR, seed: 1, beta, batchPairs: 4 }, tok.eosId);
  measure("DPO", `β = ${beta}`, policy, t0);
}
{
  t0 = performance.now();
  const policy = cloneModel(sft);
  trainOrpo(policy, pairs, { steps: 60, lr: LR, seed: 1, lambda: 0.1, batchPairs: 4 }, tok.eosId);
  measure("ORPO", "λ = 0.1", policy, t0);
}
for (const beta of [0.04]) {
  t0 = performance.now();
  const policy = cloneModel(sft);
  trainGrpo(policy, sft, tok, train, {
    steps: 30,
    lr: LR,
    seed: 1,
    group: 4,
    promptsPerStep: 4,
    beta,
    clipEps: 0.2,
  });
  measure("GRPO (judge)", `β = ${beta}`, policy, t0);
}
for (const [scorer, klCoef] of [
  ["reward model", 0.05],
  ["reward model", 0.5],
  ["judge", 0.05],
] as const) {
  t0 = performance.now();
  const policy = cloneModel(sft);
  trainPpo(
    policy,
    sft,
    tok,
    train,
    {
      steps: 30,
      lr: LR,
      seed: 1,
      promptsPerStep: 8,
      klCoef,
      clipEps: 0.2,
      gamma: 1,
      lambda: 0.95,
      epochs: 2,
      valueCoef: 0.1,
    },
    undefined,
    scorer === "reward model" ? (batch) => rewards(rm, batch) : undefined,
  );
  measure(`PPO (${scorer})`, `KL coef ${klCoef}`, policy, t0);
}

// 4. the table and the frontier
const header = [
  "method",
  "setting",
  "win-rate vs SFT",
  "exact count",
  "KL from SFT (nats)",
  "degenerate sentences",
  "RM score",
  "minutes",
];
const cells = rows.map((r) => [
  r.method,
  r.setting,
  r.ev.winRate.toFixed(3),
  r.ev.exact.toFixed(3),
  r.ev.kl.toFixed(2),
  `${(100 * r.degenerate).toFixed(1)} %`,
  r.proxy.toFixed(2),
  r.minutes.toFixed(1),
]);
console.log(
  `pairs ${pairs.length}; reward model held-out accuracy ${accBefore.toFixed(3)} → ${accAfter.toFixed(3)}`,
);
console.log(table(header, cells));
console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => " --- ").join("|")}|`);
for (const c of cells) console.log(`| ${c.join(" | ")} |`);
const byMethod = new Map<string, [number, number][]>();
for (const r of rows) {
  if (r.method === "SFT") continue;
  const pts = byMethod.get(r.method) ?? [];
  pts.push([r.ev.kl, r.ev.winRate]);
  byMethod.set(r.method, pts);
}
writeSvg(
  plot("frontier.svg"),
  svgLinePlot({
    title: "Win-rate against the SFT model vs KL from it (one point per β or KL coefficient)",
    xLabel: "KL(π ‖ π_SFT), nats per answer",
    yLabel: "judge's win-rate vs SFT",
    series: [...byMethod].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) })),
  }),
);
