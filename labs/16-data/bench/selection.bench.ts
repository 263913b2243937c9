// npx tsx bench/selection.bench.ts [--pool 400]
//
// Selecting fine-tuning data for lab 05's Q&A task from a mixed pool: correct
// examples, examples with a wrong answer, and story sentences split into a
// "question" and an "answer". Scored by IFD (the specimen's losses, src/ifd.ts)
// and by a LESS-style gradient similarity (each example's LoRA gradient, cosine to
// the mean gradient of 16 held-out task examples), both with a model warmed up on
// a random 5 % of the pool (plain SGD gradients: LESS's Adam preconditioning and
// random projection are left out);
// lab 05's LoRA is trained on the top 10 % of each, on a random 10 % and on the
// whole pool, with the same steps and seed, and task perplexity compared.

import {
  DEMO_LORA,
  DEMO_TRAIN,
  TASK_HELDOUT_SEED,
  TASK_TRAIN_SEED,
  createAdapter,
  copyModel,
  loraPeft,
  qaExample,
  qaTokens,
  trainPeft,
} from "@llm-labs/lab-lora";
import { intFlag, parseFlags, progressBar, runScript, table } from "@llm-labs/kit";
import {
  END_OF_TEXT,
  checkpointDir,
  heldoutLoss,
  loadCheckpoint,
  loadTransformersTokenizer,
  lossAndGrads,
  story,
  zeroGrads,
  type GPT,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { answerLosses, ifdScore, selectByIfd } from "../src/ifd.ts";

type Kind = "correct" | "wrong answer" | "story";
const COLORS = ["red", "blue", "green", "yellow", "white", "black", "pink", "golden"];

function poolExample(rng: Rng): { kind: Kind; q: string; a: string } {
  const u = rng.next();
  if (u < 0.75) {
    const ex = qaExample(rng);
    const at = ex.lastIndexOf("\nA: ");
    const q = ex.slice(0, at + 1);
    let a = ex.slice(at + 1);
    if (u >= 0.5) a = `A: ${COLORS[rng.int(COLORS.length)]}.`; // a wrong (or lucky) answer
    return { kind: u < 0.5 ? "correct" : "wrong answer", q, a };
  }
  const en = story(rng).split("\n")[0];
  const cut = en.indexOf(". ") + 2;
  return { kind: "story", q: en.slice(0, cut), a: en.slice(cut) };
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb + 1e-30);
};

runScript(async () => {
  const { values } = parseFlags(
    process.argv.slice(2),
    { pool: { type: "string" } },
    "npx tsx bench/selection.bench.ts [--pool N]",
  );
  const N = intFlag("pool", values.pool, { min: 50, max: 10_000 }) ?? 400;
  const base = loadCheckpoint(checkpointDir("target"));
  const tok = await loadTransformersTokenizer(checkpointDir("target"));
  const enc = (s: string) => tok.encode(s, { add_special_tokens: false }) as number[];
  const rng = new Rng(TASK_TRAIN_SEED + 100);
  const pool = Array.from({ length: N }, () => poolExample(rng));
  const K = Math.round(N / 10);

  // Both papers score with a model that has seen a little of the pool first (IFD's
  // "brief experience", LESS's warmup): a LoRA trained on a random 5 %, merged in.
  const warmIdx = new Rng(5).shuffle(pool.map((_, i) => i)).slice(0, Math.max(5, Math.round(N / 20)));
  const warm = createAdapter(base, DEMO_LORA, 2);
  const warmPeft = loraPeft(base, warm);
  trainPeft(base, warmPeft, enc(warmIdx.map((i) => pool[i].q + pool[i].a).join(END_OF_TEXT)), {
    ...DEMO_TRAIN,
    steps: 40,
  });
  const scorer = copyModel(base);
  warmPeft.apply(base, scorer);

  // IFD of every example
  const ifd: number[] = [];
  let bar = progressBar({ total: N, label: "IFD scores      " });
  for (const ex of pool) {
    const q = enc(ex.q).slice(-60);
    const a = enc(ex.a).slice(0, 40);
    ifd.push(ifdScore(answerLosses(scorer, q, a), answerLosses(scorer, [], a)));
    bar.tick();
  }
  bar.done();

  // LESS-style: the warm adapter's gradient for each example (through the merged model)
  const adapter = warm;
  const peft = warmPeft;
  const grads = zeroGrads(scorer);
  const gradOf = (ids: number[]): Float32Array => {
    const d = new Float32Array(adapter.flat.length);
    grads.flat.fill(0);
    const T = ids.length - 1;
    lossAndGrads(scorer, ids.slice(0, T), ids.slice(1), 1, T, grads);
    peft.backward(base, grads, d);
    return d;
  };
  const vrng = new Rng(TASK_HELDOUT_SEED + 100);
  const target = new Float32Array(adapter.flat.length);
  for (let i = 0; i < 16; i++) {
    const g = gradOf(enc(qaExample(vrng)));
    const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0)) || 1;
    for (let j = 0; j < g.length; j++) target[j] += g[j] / norm;
  }
  const less: number[] = [];
  bar = progressBar({ total: N, label: "LoRA gradients  " });
  for (const ex of pool) {
    less.push(cosine(gradOf(enc(ex.q + ex.a).slice(0, 100)), target));
    bar.tick();
  }
  bar.done();

  const order = (xs: number[]) =>
    xs
      .map((s, i) => [s, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, K)
      .map(([, i]) => i);
  const rrng = new Rng(77);
  const subsets: [string, number[]][] = [
    ["IFD top 10 %", selectByIfd(ifd, K)],
    ["LESS top 10 %", order(less)],
    ["random 10 %", rrng.shuffle(pool.map((_, i) => i)).slice(0, K)],
    ["all", pool.map((_, i) => i)],
  ];
  const evalTokens = await qaTokens(TASK_HELDOUT_SEED, 1_024);
  const window = DEMO_TRAIN.seqLen;
  const perplexity = (m: GPT) => Math.exp(heldoutLoss(m, evalTokens, window));
  const rows: string[][] = [["base (no fine-tuning)", "—", "—", "—", perplexity(base).toFixed(2)]];
  for (const [name, idx] of subsets) {
    const kinds = { correct: 0, "wrong answer": 0, story: 0 };
    for (const i of idx) kinds[pool[i].kind]++;
    const tokens = enc(idx.map((i) => pool[i].q + pool[i].a).join(END_OF_TEXT));
    const a = createAdapter(base, DEMO_LORA, 1);
    const p = loraPeft(base, a);
    const b2 = progressBar({ total: DEMO_TRAIN.steps, label: name.padEnd(16) });
    trainPeft(base, p, tokens, DEMO_TRAIN, () => b2.tick());
    b2.done();
    const eff = copyModel(base);
    p.apply(base, eff);
    rows.push([
      name,
      String(idx.length),
      `${((100 * kinds.correct) / idx.length).toFixed(0)} %`,
      `${((100 * kinds["wrong answer"]) / idx.length).toFixed(0)} %`,
      perplexity(eff).toFixed(2),
    ]);
  }
  const mean = (k: Kind, xs: number[]) => {
    const v = xs.filter((_, i) => pool[i].kind === k);
    return (v.reduce((s, x) => s + x, 0) / v.length).toFixed(3);
  };
  console.log(
    `pool of ${N}: mean IFD correct ${mean("correct", ifd)}, wrong answer ${mean("wrong answer", ifd)}, story ${mean("story", ifd)}; ` +
      `mean gradient cosine ${mean("correct", less)}, ${mean("wrong answer", less)}, ${mean("story", less)}`,
  );
  console.log(
    `LoRA r=${DEMO_LORA.r}, ${DEMO_TRAIN.steps} steps of ${DEMO_TRAIN.batchSize}×${DEMO_TRAIN.seqLen}, seed ${DEMO_TRAIN.seed}; task perplexity on ${evalTokens.length} held-out tokens`,
  );
  console.log(table(["trained on", "examples", "correct", "wrong answer", "task perplexity"], rows));
});
