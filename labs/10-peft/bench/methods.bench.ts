// npx tsx bench/methods.bench.ts   (or: npm run bench -- --only labs/10-peft)
//
// The lab's one table and its budget sweep, from one run (about 20 minutes on 2 cores):
// every method of src/recipe.ts trained on lab 05's Q&A task with the same data, steps and
// seed, at each of its candidate learning rates; the rate with the lowest training loss
// (mean of the last 20 steps) is kept, and that run is evaluated:
//   trainable numbers (and % of the model), new-task perplexity, original-stories perplexity
//   (forgetting), ms per training step (timed again at the end, every method in alternation),
//   extra multiply-adds per token at inference.
// Then the sweep: each method with a size (r or P) at its other sizes, same rate, for the
// plot of task perplexity against trainable %. Writes plots/loss.svg and plots/budget-sweep.svg.

import {
  DEMO_TRAIN,
  ORIGINAL_EVAL_TOKENS,
  qaTokens,
  TASK_EVAL_TOKENS,
  TASK_HELDOUT_SEED,
  TASK_TRAIN_SEED,
  TASK_TRAIN_TOKENS,
  trainPeft,
} from "@llm-labs/lab-lora";
import { median, svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import { checkpointDir, heldoutTokens, loadCheckpoint } from "@llm-labs/model";
import { fileURLToPath } from "node:url";
import { methodPerplexity } from "../src/evaluate.ts";
import { baseMacs, EVAL_WINDOW, RECIPES, type Recipe } from "../src/recipe.ts";

const base = loadCheckpoint(checkpointDir("target"));
const total = base.params.flat.length;
const taskTrain = await qaTokens(TASK_TRAIN_SEED, TASK_TRAIN_TOKENS);
const taskEval = await qaTokens(TASK_HELDOUT_SEED, TASK_EVAL_TOKENS);
const origEval = await heldoutTokens(ORIGINAL_EVAL_TOKENS);
const plot = (name: string) => fileURLToPath(new URL(`../plots/${name}`, import.meta.url));

interface Run {
  recipe: Recipe;
  size: number;
  lr: number;
  trainable: number;
  losses: number[];
  msPerStep: number;
  task: number;
  original: number;
}

const tail = (l: number[]) => l.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, l.length);

function run(recipe: Recipe, size: number, lr: number): Run {
  const peft = recipe.make(base, size);
  const t0 = performance.now();
  const losses = trainPeft(base, peft, taskTrain, { ...DEMO_TRAIN, lr });
  const msPerStep = (performance.now() - t0) / DEMO_TRAIN.steps;
  const task = methodPerplexity(base, peft, taskEval, EVAL_WINDOW);
  const original = methodPerplexity(base, peft, origEval, EVAL_WINDOW);
  process.stderr.write(
    `  ${recipe.key} size=${size} lr=${lr}: loss ${tail(losses).toFixed(3)}, task ${task.toFixed(2)}, ${msPerStep.toFixed(0)} ms/step\n`,
  );
  return { recipe, size, lr, trainable: peft.params.length, losses, msPerStep, task, original };
}

const untrained = RECIPES[0].make(base, 0); // full fine-tuning before any step: the base itself
const baseTask = methodPerplexity(base, untrained, taskEval, EVAL_WINDOW);
const baseOrig = methodPerplexity(base, untrained, origEval, EVAL_WINDOW);

const best: Run[] = [];
for (const r of RECIPES) {
  const tries = r.lrs.map((lr) => run(r, r.size, lr));
  const won = tries.reduce((a, b) => (tail(b.losses) < tail(a.losses) ? b : a));
  if (won.lr === r.lrs[0] || won.lr === r.lrs[r.lrs.length - 1])
    console.log(
      `note: ${r.key}'s best rate ${won.lr} is at the edge of the rates tried (${r.lrs.join(", ")})`,
    );
  if (won.lr !== r.lr) console.log(`note: ${r.key}'s best rate is ${won.lr}; src/recipe.ts says ${r.lr}`);
  best.push(won);
}

// ms per training step, timed again in alternation (two steps of every method per round, the
// median of 10 rounds), so that a busy neighbour on a shared machine slows every method alike
const msPerStep = new Map<Recipe, number>();
{
  const times = new Map<Recipe, number[]>(best.map((b) => [b.recipe, []]));
  for (let round = 0; round < 10; round++)
    for (const b of best) {
      const peft = b.recipe.make(base, b.size);
      const t0 = performance.now();
      trainPeft(base, peft, taskTrain, { ...DEMO_TRAIN, steps: 2, lr: b.lr });
      times.get(b.recipe)?.push((performance.now() - t0) / 2);
    }
  for (const [r, t] of times) msPerStep.set(r, median(t));
}

const macs0 = baseMacs(base.config, EVAL_WINDOW);
const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(2)} %`;
const rows = best.map((b) => {
  const extra = b.recipe.extraMacs(base.config, b.size);
  return [
    b.recipe.key + (b.recipe.sizeName ? ` (${b.recipe.sizeName} = ${b.size})` : ""),
    b.trainable.toLocaleString("en-US"),
    pct(b.trainable, total),
    b.lr,
    b.task.toFixed(2),
    b.original.toFixed(3),
    (msPerStep.get(b.recipe) ?? b.msPerStep).toFixed(0),
    extra === 0 ? "0 (merged)" : `${extra.toLocaleString("en-US")} (+${pct(extra, macs0)})`,
  ];
});
const header = [
  "method",
  "trainable",
  "of model",
  "lr",
  `task ppl (${TASK_EVAL_TOKENS} tok)`,
  `original ppl (${ORIGINAL_EVAL_TOKENS} tok)`,
  "ms/step",
  "extra MACs/token",
];
console.log(
  `base: task ppl ${baseTask.toFixed(2)}, original ppl ${baseOrig.toFixed(3)}; ${macs0.toLocaleString("en-US")} MACs/token at context ${EVAL_WINDOW}`,
);
console.log(table(header, rows));
console.log("\n| " + header.join(" | ") + " |\n|" + header.map(() => " --- ").join("|") + "|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);

writeSvg(
  plot("loss.svg"),
  svgLinePlot({
    title: "Training loss on the Q&A task, every method at its best learning rate",
    xLabel: "step",
    yLabel: "loss (nats/token)",
    series: best.map((b) => ({ name: b.recipe.key, points: b.losses.map((l, i) => [i, l]) })),
  }),
);

// The sweep: log10 of the trainable % on x, so r = 1 … 32 and P = 4 … 64 spread out.
const series = [];
for (const b of best) {
  const points: [number, number][] = [];
  for (const size of b.recipe.sweep) {
    const r = size === b.size ? b : run(b.recipe, size, b.lr);
    points.push([Math.log10((100 * r.trainable) / total), r.task]);
    console.log(
      `sweep ${b.recipe.key} size=${size}: trainable ${pct(r.trainable, total)}, task ppl ${r.task.toFixed(2)}`,
    );
  }
  if (points.length === 0) points.push([Math.log10((100 * b.trainable) / total), b.task]);
  series.push({ name: b.recipe.key, points });
}
writeSvg(
  plot("budget-sweep.svg"),
  svgLinePlot({
    title: "New-task perplexity against the trainable budget",
    xLabel: "log10(trainable % of the model)",
    yLabel: "task perplexity",
    series,
    logY: true,
  }),
);
const lora = best.find((b) => b.recipe.key === "LoRA");
const bitfit = best.find((b) => b.recipe.key === "BitFit");
if (lora && bitfit)
  console.log(`ratio BitFit task ppl / LoRA task ppl = ${(bitfit.task / lora.task).toFixed(2)}x`);
