// Results in lm-evaluation-harness's shape, so that tools that read its JSON read ours.
//
// The harness writes one results.json per run (v0.4): per task, each metric under
// "<metric>,<filter>" ("acc,none") with its standard error beside it
// ("acc_stderr,none"), and the task's config, version and number of shots. Reading
// such a file back is a boundary (a learner may hand the demo any file), so it is
// checked with zod and a bad one is one line.

import { readFileSync } from "node:fs";
import { fsUserError } from "@llm-labs/errors";
import { UserError } from "@llm-labs/kit";
import { z } from "zod";
import { bootstrapStderr, mean, meanStderr } from "./bootstrap.ts";
import { Rng } from "@llm-labs/tensor";

export interface TaskMetrics {
  task: string;
  shots: number;
  n: number;
  metrics: Record<string, number[]>; // per question, 0/1 or a score; the mean is the metric
  outputType: "multiple_choice" | "generate_until";
}

export const HarnessResults = z.object({
  results: z.record(
    z.string(),
    z
      .record(z.string(), z.union([z.number(), z.string(), z.literal("N/A")]))
      .refine(
        (r) => Object.keys(r).some((k) => k.includes(",")),
        'a task\'s results need at least one "metric,filter" entry (e.g. "acc,none")',
      ),
  ),
  versions: z.record(z.string(), z.number()).optional(),
  "n-shot": z.record(z.string(), z.number()).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});
export type HarnessResults = z.infer<typeof HarnessResults>;

// The harness's JSON for some tasks of one model. For a mean, the harness's stderr is
// the closed form s/√n; bootstrapIters is recorded, as the harness records it.
export function harnessResults(model: string, tasks: TaskMetrics[], bootstrapIters = 1000): HarnessResults {
  const results: HarnessResults["results"] = {};
  const configs: Record<string, unknown> = {};
  for (const t of tasks) {
    const r: Record<string, number | string> = { alias: t.task };
    for (const [name, xs] of Object.entries(t.metrics)) {
      r[`${name},none`] = mean(xs);
      r[`${name}_stderr,none`] = xs.length > 1 ? meanStderr(xs) : "N/A";
    }
    results[t.task] = r;
    configs[t.task] = {
      task: t.task,
      dataset_path: "llm-labs/world-mc (labs/15-evaluation/src/benchmark.ts)",
      test_split: "test",
      fewshot_split: "dev",
      output_type: t.outputType,
      num_fewshot: t.shots,
      fewshot_delimiter: "\n\n",
      metric_list: Object.keys(t.metrics).map((m) => ({
        metric: m,
        aggregation: "mean",
        higher_is_better: true,
      })),
      metadata: { version: 1.0 },
    };
  }
  return {
    results,
    configs,
    versions: Object.fromEntries(tasks.map((t) => [t.task, 1.0])),
    "n-shot": Object.fromEntries(tasks.map((t) => [t.task, t.shots])),
    "n-samples": Object.fromEntries(tasks.map((t) => [t.task, { original: t.n, effective: t.n }])),
    config: {
      model: "llm-labs",
      model_args: `checkpoint=${model}`,
      batch_size: 1,
      bootstrap_iters: bootstrapIters,
    },
  } as HarnessResults;
}

// The bootstrap stderr of a metric's mean, beside the closed form (they should agree).
export const bootstrapOfMean = (xs: number[], B: number, seed: number): number =>
  bootstrapStderr(xs, mean, B, new Rng(seed));

export function parseResults(json: unknown, where: string): HarnessResults {
  const r = HarnessResults.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UserError(`${where}: ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  }
  return r.data;
}

export function readResults(path: string): HarnessResults {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw fsUserError(e, { path, doing: "read" }) ?? e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `${path} is not JSON (${(e as Error).message}); pass a results.json the harness or this demo wrote`,
    );
  }
  return parseResults(json, path);
}
